import type { Command } from 'commander';
import {
  HEALTH_CHECKS,
  MANUAL_PACKAGE_FAMILIES,
  RULE_FAMILIES,
  manualPackageNames,
  parsePackageName,
  probeNode,
  type GpuSnapshot,
  type ProbeSnapshot,
  type Verdict,
} from '../../probe/index.js';
import { RULE_FEATURE_NAMES } from '../../probe/cpu-feature-names.js';
import { installedEngineCudaNeeds } from '../../engines/cuda-needs.js';
import { renderGpuHealthTable } from '../../report/gpu-health-table.js';
import { renderProbePrometheus } from '../../report/prometheus.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { UsageError } from '../../util/errors.js';
import { EXIT, type CliContext } from '../context.js';
import { collect } from '../option-parsers.js';
import { probeOptions, sharedOption, type NodeExpectationFlags } from '../shared-options.js';
import { helpExamples } from '../help-examples.js';

interface ProbeCommandOptions extends NodeExpectationFlags {
  json?: boolean;
  package: string[];
  require: string[];
  listPackages?: boolean;
  strict?: boolean;
  prom?: string;
}

const GPU_CHECKS = ['gpu-driver', 'gpu-count'] as const;
const REQUIRABLE: readonly string[] = [...GPU_CHECKS, ...HEALTH_CHECKS.filter((check) => check !== 'gpu-processes'), ...RULE_FAMILIES];

export function registerProbe(program: Command, context: CliContext): void {
  program
    .command('probe')
    .summary("check this node's CPU, memory and GPUs against the manual's package rules")
    .description(
      [
        "Checks this node's CPU (cpuid and the OS-enabled state), memory and NVIDIA GPUs against the ML manual's package rules, and prints a verdict per rule family and per package name.",
        'GPUs are seen three ways: on the PCI bus (/sys/bus/pci/devices), through the nvidia kernel module (/proc/driver/nvidia/version) and through the driver API (libcuda.so.1, libnvidia-ml.so.1). gpu-driver fails when GPUs are on the bus but the driver cannot use them; gpu-count fails when fewer answer than the bus (or --expect-gpus) says, or, inside a job, when one of the job\'s own GPUs (CUDA_VISIBLE_DEVICES, SLURM_JOB_GPUS, a device cgroup; matched by PCI address and UUID) does not answer. Inside a job only its GPUs are judged; a job without GPUs checks none.',
        'On a GPU node each GPU\'s health is judged as `dcgmi diag -r 1` and NHC would, from NVML and the kernel log (no DCGM needed): gpu-ecc (uncorrectable ECC errors), gpu-memory (retired pages, remapped rows), gpu-pcie (link width and generation, re-read while the GPU is kept busy), gpu-clocks (hardware slowdown), gpu-inforom, gpu-xid (Xids since boot, their meaning from references/xid.yaml), gpu-driver-compat (the driver\'s CUDA version against the installed engines), gpu-persistence. The table shows them per GPU; --json has a `health` array (schema/probe-health.schema.json); --prom writes per-GPU series.',
        'ML packages installed here (cm-*, found with rpm or dpkg-query) are judged too; `mlcheck run` fails a node on them, the probe only reports them unless --require-package names them.',
        'Exit codes: 0 ok (a verdict that is not required never fails the command), 1 a --require or --require-package verdict failed or was skipped (with --strict, also warned), 2 bad usage.',
      ].join('\n\n'),
    )
    .option('--json', 'print one JSON document (schemaVersion, cpu, memory, gpus, verdicts, ...)')
    .option('--package <name>', 'also judge this package name, e.g. cm-tensorflow-py37-mkl-gcc8 (repeatable)', collect, [])
    .option('--require <check>', `exit 1 unless this check passes: ${REQUIRABLE.join(', ')} (repeatable)`, collect, [])
    .addOption(sharedOption.expectGpus())
    .addOption(sharedOption.requirePackage())
    .addOption(sharedOption.gpuTimeout())
    .option('--strict', 'a warning on a required verdict also exits 1')
    .option('--prom <file>', "also write the verdicts and each GPU's health as a Prometheus textfile (node_exporter textfile collector)")
    .option('--list-packages', "print the manual's package families and names, then exit")
    .addHelpText(
      'after',
      helpExamples(
        'mlcheck probe',
        { comment: 'in a Slurm prolog: exit 1 when the node cannot run the package', command: 'mlcheck probe --require-package cm-tensorflow-py37-mkl-gcc8' },
        'mlcheck probe --require memory --json',
        { comment: 'for node_exporter: the verdicts and per-GPU health series', command: 'mlcheck probe --prom /var/lib/node_exporter/textfile/mlcheck-probe.prom' },
        'mlcheck probe --list-packages',
      ),
    )
    .action(async (options: ProbeCommandOptions) => {
      if (options.listPackages) {
        listPackages(context, options.json === true);
        return;
      }
      for (const family of options.require) {
        if (!REQUIRABLE.includes(family)) {
          throw new UsageError(`unknown check "${family}" in --require`, { expected: REQUIRABLE.join(' | '), found: family, fix: `use --require ${REQUIRABLE.join('|')}, or --require-package <name>` });
        }
      }
      for (const name of options.package) parsePackageName(name);

      const snapshot = await probeNode({ ...probeOptions(options), engineCudaNeeds: installedEngineCudaNeeds(), packages: options.package });
      context.out(options.json ? JSON.stringify(snapshot, null, 2) : renderTable(snapshot));
      if (options.prom !== undefined) writeFileAtomic(options.prom, renderProbePrometheus(snapshot));

      const required = new Set([...options.require, ...(options.requirePackage ?? [])]);
      const unmet = snapshot.verdicts.filter(
        (verdict) => required.has(verdict.subject) && (verdict.status === 'fail' || verdict.status === 'skip' || (options.strict === true && verdict.status === 'warn')),
      );
      for (const verdict of unmet) context.err(`mlcheck probe: required ${verdict.subject} is ${verdict.status}: ${verdict.reason}`);
      context.setExitCode(unmet.length > 0 ? EXIT.failed : EXIT.ok);
    });
}

function listPackages(context: CliContext, json: boolean): void {
  if (json) {
    context.out(JSON.stringify({ families: MANUAL_PACKAGE_FAMILIES, packages: manualPackageNames() }, null, 2));
    return;
  }
  const lines: string[] = ["The manual's machine-learning package families (cm-<framework>-py<XY>-<accelerator>-<compiler>):", ''];
  for (const family of MANUAL_PACKAGE_FAMILIES) {
    lines.push(`${family.framework.padEnd(20)} ${family.description}`);
    for (const name of manualPackageNames([family])) lines.push(`    ${name}`);
  }
  context.out(lines.join('\n'));
}

const gib = (bytes: number | null) => (bytes === null ? '-' : `${(bytes / 1024 ** 3).toFixed(1)} GiB`);
const yesNo = (value: boolean | null | undefined) => (value === null || value === undefined ? '-' : value ? 'yes' : 'no');

function renderTable(s: ProbeSnapshot): string {
  const lines: string[] = [];
  lines.push(`mlcheck probe: ${s.hostname} (${s.source === 'native' ? 'native probe: cpuid, xgetbv, NVIDIA driver' : 'FALLBACK'})`);
  if (s.fallbackReason !== null) lines.push(`  ${s.fallbackReason.split('\n').join('\n  ')}`);
  lines.push('');
  lines.push(`CPU     ${s.cpu.brand} (${s.cpu.vendor} family ${s.cpu.family} model ${s.cpu.model} stepping ${s.cpu.stepping}), ${s.cpu.logicalCpus} logical CPUs`);
  const flags = RULE_FEATURE_NAMES.map((name) => (s.cpu.features[name] ? name : `-${name}`));
  lines.push(`        usable: ${flags.join(' ')}`);
  const os = s.cpu.osEnabled;
  lines.push(`        OS-enabled state: XMM ${yesNo(os.xmm)}, YMM ${yesNo(os.ymm)}, ZMM opmask ${yesNo(os.zmmOpmask)}, ZMM hi256 ${yesNo(os.zmmHi256)}, ZMM hi16 ${yesNo(os.zmmHi16)}, AMX tile ${yesNo(os.amxTile)}`);
  lines.push(`Memory  ${gib(s.memory.totalBytes)}`);
  lines.push(`PCI     ${s.pci.error ?? (s.pci.devices.length === 0 ? 'no NVIDIA GPU' : s.pci.devices.map((d) => `${d.address} (${d.deviceId}, ${d.boundDriver ?? 'no driver bound'})`).join(', '))}`);
  lines.push(`Module  ${s.kernelModule.loaded ? `nvidia ${s.kernelModule.version ?? '(version unknown)'}` : `nvidia not loaded (${s.kernelModule.error})`}`);
  if (s.jobScope !== null) {
    const gpus = s.jobScope.gpus.map((gpu) => `GPU ${gpu.name} = ${[gpu.pciBusId ?? 'PCI address unknown', ...(gpu.uuid !== null && gpu.uuid !== gpu.name ? [gpu.uuid] : [])].join(' ')}${gpu.gpuIndex === null ? ' (does not answer)' : ''}`);
    lines.push(`Job     ${s.jobScope.count} GPU(s) given (${s.jobScope.source}=${s.jobScope.value})${gpus.length > 0 ? `: ${gpus.join(', ')}` : ''}`);
    lines.push(`        matched by ${s.jobScope.matchedBy}`);
  }
  const installed = s.packages.installed;
  if (installed !== null) lines.push(`Packages ${installed.names.length > 0 ? installed.names.join(', ') : `no ML packages (cm-*) installed${installed.sources.length > 0 ? ` (${installed.sources.join(', ')})` : ' (neither rpm nor dpkg-query found)'}`}${installed.errors.length > 0 ? `; ${installed.errors.join('; ')}` : ''}`);
  if (s.driver !== null) lines.push(`Driver  NVIDIA ${s.driver.version ?? '(version unknown)'}, CUDA ${s.driver.cudaVersion ?? '(unknown)'}`);
  if (s.gpuError !== null) lines.push(`CUDA    ${s.gpuError}`);
  if (s.nvmlError !== null && s.nvmlError !== s.gpuError) lines.push(`NVML    ${s.nvmlError}`);
  if (s.gpus.length > 0) {
    lines.push('GPUs');
    lines.push(...table(['#', 'name', 'cc', 'memory', 'SMs', 'ECC', 'ECC unc.', 'PCIe', 'temp', 'persist', 'MIG', 'bus id'], s.gpus.map(gpuRow)).map((row) => `  ${row}`));
  }
  if (s.health.length > 0) {
    lines.push('GPU health');
    const [header = [], ...rows] = renderGpuHealthTable(s.health);
    lines.push(...table(header, rows).map((row) => `  ${row}`));
  }
  if (s.kernelLog.source !== null || s.kernelLog.error !== null) {
    const xids = s.kernelLog.xids.length;
    lines.push(`Kernel  ${s.kernelLog.error ?? `${xids === 0 ? 'no Xid' : `${xids} Xid line${xids === 1 ? '' : 's'}`} since boot (${s.kernelLog.source})`}`);
  }
  lines.push('');
  const rows = s.verdicts.flatMap((v: Verdict) => [[v.subject, v.status.toUpperCase(), v.reason], ...(v.fix !== null && v.status !== 'pass' ? [['', '', `fix: ${v.fix}`]] : [])]);
  lines.push(...table(['verdict', 'status', 'reason'], rows));
  return lines.join('\n');
}

function gpuRow(gpu: GpuSnapshot): string[] {
  const cc = gpu.computeCapability === null ? '-' : `${gpu.computeCapability.major}.${gpu.computeCapability.minor}`;
  const p = gpu.pcie;
  const pcie = p.generationCurrent === null ? '-' : `gen${p.generationCurrent}/${p.generationMax ?? '?'} x${p.widthCurrent ?? '?'}/${p.widthMax ?? '?'}`;
  return [
    String(gpu.index),
    gpu.name ?? '-',
    cc,
    gib(gpu.memoryBytes),
    gpu.multiprocessors === null ? '-' : String(gpu.multiprocessors),
    yesNo(gpu.ecc.enabled),
    gpu.ecc.volatileUncorrected === null ? '-' : String(gpu.ecc.volatileUncorrected),
    pcie,
    gpu.temperatureC === null ? '-' : `${gpu.temperatureC} C`,
    yesNo(gpu.persistenceMode),
    gpu.migMode === null ? '-' : gpu.migMode.current ? 'on' : 'off',
    gpu.pciBusId ?? '-',
  ];
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const format = (row: string[]) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ');
  return [format(header), ...rows.map(format)];
}

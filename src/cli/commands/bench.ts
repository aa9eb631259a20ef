import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { checkNode } from '../../check/check-node.js';
import type { CheckEvent } from '../../check/types.js';
import type { ProbeFacts, ProbeSnapshot } from '../../probe/index.js';
import { findNodeClass, matchNodeClass, nodeClassFor, nodeIdentity } from '../../references/node-class.js';
import { loadNodeReferences, type NodeClass, type NodeReferenceFile } from '../../references/node-references.js';
import { referencesFromBench, upsertNodeClass } from '../../references/reference-writer.js';
import type { RunRecord } from '../../references/results.js';
import { defaultRunFolder } from '../../runner/default-run-folder.js';
import { formatValue } from '../../util/format-number.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { UsageError } from '../../util/errors.js';
import { builtinWorkloads } from '../../workloads/index.js';
import type { ProfileId } from '../../workloads/types.js';
import type { CliContext } from '../context.js';
import { fractionParser, parsePositiveInteger } from '../option-parsers.js';
import { checkReportTargets, deliverRun } from '../report-output.js';
import { checkProgressPrinter } from '../check-progress.js';
import { interruptibleBy, planRequest } from '../run-support.js';
import { addCaseOptions, probeOptions, type CaseFlags } from '../shared-options.js';

/** The workloads whose numbers say how fast a node is (hello and iris are too small to time). */
export const DEFAULT_BENCH_WORKLOADS: readonly string[] = ['lenet', 'vae', 'inception'];

interface BenchFlags extends CaseFlags {
  repeat: number;
  nodeClass?: string;
  saveReference?: string;
  saveTolerance: number;
}

export function registerBench(program: Command, context: CliContext): void {
  const command = program
    .command('bench')
    .summary('time the performance workloads N times and judge the medians against this node class')
    .description(
      [
        'Runs the performance-relevant workloads --repeat times (each case isolated, as `run` does), takes the median of every metric and judges it against the reference of this node class (references/nodes.yaml, or --references FILE). The class is matched from the probe: by GPU model, or by CPU model when there is no GPU. Outside the tolerance: warn (fail with --strict).',
        '--save-reference FILE writes the medians as the reference of this node class into FILE (created, or merged into the class of the same id). Run it on a known-good node, then judge the fleet against it.',
        `Workloads: by default those with references for the node class, else ${DEFAULT_BENCH_WORKLOADS.join(', ')}.`,
        'Exit codes: 0 in bounds (warnings allowed unless --strict), 1 a failure, 2 bad usage, 3 undecided.',
      ].join('\n\n'),
    )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  mlcheck bench --repeat 5 --data-dir /shared/mlcheck-data --save-reference nodes.yaml   on a known-good node',
        '  mlcheck bench --references nodes.yaml --strict --prom /var/lib/node_exporter/mlcheck-bench.prom',
        '  mlcheck bench inception --model mobilenet_v2_1.0_224.onnx --data-dir /shared/mlcheck-data',
      ].join('\n'),
    )
    .argument('[workload...]', 'workloads to time');
  addCaseOptions(command, './mlcheck-runs/bench-<time>, one run directory per repetition')
    .option('-n, --repeat <n>', 'repetitions; the median of each metric is judged', parsePositiveInteger, 3)
    .option('--node-class <id>', 'use this node class instead of matching one from the probe (with --save-reference: the class to write)')
    .option('--save-reference <file>', 'write the medians as the reference of this node class into <file>')
    .option('--save-tolerance <fraction>', 'tolerance either side of a saved reference (0.25 = -25 %..+25 %)', fractionParser(1), 0.25)
    .action(async (workloads: string[], flags: BenchFlags) => {
      const request = await planRequest(flags, context);
      checkReportTargets(flags);
      const referenceFile = loadNodeReferences(flags.references);
      const { probe, nodeClass, record: aggregated } = await checkNode({
        probe: { probe: probeOptions(flags), chooseNodeClass: (facts) => selectNodeClass(referenceFile, flags, facts), references: referenceFile },
        cases: (node) => {
          context.err(describeNodeClass(referenceFile, node.nodeClass, node.probe));
          const selected = workloads.length ? workloads : defaultWorkloads(node.nodeClass, flags.profile);
          const outDir = path.resolve(flags.out ?? defaultRunFolder(`bench-${new Date().toISOString().replace(/[:.]/g, '-')}`));
          return { kind: 'repeat', plan: { ...request, workloads: selected, outDir }, repetitions: flags.repeat };
        },
        strict: flags.strict === true,
        commandLine: process.argv.slice(1),
        interruptible: interruptibleBy(context, 'reporting the repetitions done'),
        onEvent: benchProgressPrinter(context),
      });

      for (const c of aggregated.cases) {
        const samples = (c.details.bench as { samples?: Record<string, number[]> } | undefined)?.samples ?? {};
        for (const [name, values] of Object.entries(samples)) context.err(`  ${c.id} ${name}: ${values.map(formatValue).join(', ')} (median ${formatValue(c.metrics[name]?.value ?? Number.NaN)})`);
      }
      if (flags.saveReference) saveReference(flags, aggregated, referenceFile, nodeClass, probe, context);
      deliverRun(context, aggregated, { json: flags.json, junit: flags.junit, prom: flags.prom });
    });
}

/** A bench's progress: the probe's trouble and the job's GPUs as `run` prints them, then each repetition and each case's end. */
function benchProgressPrinter(context: CliContext): (event: CheckEvent) => void {
  const checkEvents = checkProgressPrinter(context);
  return (event) => {
    if (event.type === 'probe-failed' || event.type === 'gpus-scoped') checkEvents(event);
    else if (event.type === 'repetition') context.err(`repetition ${event.repetition} of ${event.of}`);
    else if (event.type === 'case-end') context.err(`  ${event.result.id}: ${event.result.outcome}${event.result.reason ? ` (${event.result.reason.split('\n')[0]})` : ''}`);
  };
}

function saveReference(flags: BenchFlags, aggregated: RunRecord, referenceFile: NodeReferenceFile, nodeClass: NodeClass | null, probe: ProbeSnapshot | null, context: CliContext): void {
  const file = path.resolve(flags.saveReference!);
  const identity = nodeIdentity(probe);
  const derived = identity ? nodeClassFor(identity) : null;
  const id = flags.nodeClass ?? nodeClass?.id ?? derived?.id;
  const match = nodeClass?.match ?? derived?.match;
  if (!id || !match) {
    throw new UsageError('cannot name a node class for --save-reference: the probe found no GPU or CPU model', { fix: 'pass --node-class ID' });
  }
  const references = referencesFromBench(aggregated, { rules: referenceFile.metrics, tolerance: flags.saveTolerance });
  if (Object.keys(references).length === 0) {
    throw new UsageError(`nothing to save into ${file}: no case passed with a performance metric`, { file, fix: 'check the failures above, or bench workloads that time something (lenet, vae, inception)' });
  }
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : null;
  const description = nodeClass?.description || `${identity ? `${identity.model} (${identity.kind})` : id}, saved by mlcheck bench from ${aggregated.session.host}`;
  writeFileAtomic(file, upsertNodeClass(existing, { id, description, match, profile: flags.profile, references }, file));
  const count = Object.values(references).reduce((n, metrics) => n + Object.keys(metrics).length, 0);
  context.err(`saved ${count} reference${count === 1 ? '' : 's'} (median of ${flags.repeat}, tolerance ±${flags.saveTolerance * 100}%) for node class ${id}, profile ${flags.profile}, to ${file}`);
}

/** --node-class names the class to judge by; with --save-reference it may also name a class still to be written. */
function selectNodeClass(file: NodeReferenceFile, flags: BenchFlags, facts: ProbeFacts | null): NodeClass | null {
  if (!flags.nodeClass) return matchNodeClass(file, facts);
  if (flags.saveReference && !file.nodeClasses.some((c) => c.id === flags.nodeClass)) return null;
  return findNodeClass(file, flags.nodeClass);
}

function defaultWorkloads(nodeClass: NodeClass | null, profile: ProfileId): string[] {
  // Keys are `workload[@model]/engine[/backend]` (see referenceCaseKeys).
  const referenced = Object.keys(nodeClass?.references[profile] ?? {}).map((key) => key.split('/')[0]!.split('@')[0]!);
  const known = new Set(builtinWorkloads.map((w) => w.id));
  const chosen = referenced.length ? [...new Set(referenced)] : [...DEFAULT_BENCH_WORKLOADS];
  return chosen.filter((id) => known.has(id));
}

function describeNodeClass(file: NodeReferenceFile, nodeClass: NodeClass | null, probe: ProbeSnapshot | null): string {
  const identity = nodeIdentity(probe);
  const seen = identity ? `${identity.kind} "${identity.model}"` : 'no probe';
  if (nodeClass) return `bench: node class ${nodeClass.id} (${seen}) from ${file.file}`;
  return `bench: no node class in ${file.file} matches ${seen}: medians are reported, not judged (save a reference with --save-reference FILE)`;
}

import { readFileSync } from 'node:fs';
import { DataError } from '../util/errors.js';
import { CPU_FEATURE_NAMES } from './cpu-feature-names.js';
import type { CpuSnapshot } from './types.js';

export interface CpuinfoFallbackOptions {
  cpuinfoPath?: string;
  meminfoPath?: string;
  readText?: (file: string) => string;
}

/**
 * CPU facts from the kernel's /proc/cpuinfo, used when the addon cannot load. The kernel drops
 * flags whose register state it did not enable, so its flags stand for "usable", and the OS
 * state is inferred from them rather than read with xgetbv.
 */
export function readCpuFromProc(options: CpuinfoFallbackOptions = {}): CpuSnapshot {
  const file = options.cpuinfoPath ?? '/proc/cpuinfo';
  const text = (options.readText ?? ((f: string) => readFileSync(f, 'utf8')))(file);
  const firstBlock = text.split(/\n\s*\n/)[0] ?? '';
  const fields = new Map<string, string>();
  for (const line of firstBlock.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const flagsLine = fields.get('flags');
  if (flagsLine === undefined) {
    throw new DataError(`${file} has no "flags" line`, { file, expected: 'an x86 /proc/cpuinfo with a flags line', found: firstBlock.slice(0, 80) });
  }
  const flags = new Set(flagsLine.split(/\s+/));
  const features: Record<string, boolean> = {};
  for (const name of CPU_FEATURE_NAMES) features[name] = flags.has(name);
  const logicalCpus = text.split('\n').filter((line) => /^processor\s*:/.test(line)).length;
  return {
    vendor: fields.get('vendor_id') ?? '',
    brand: fields.get('model name') ?? '',
    family: Number(fields.get('cpu family') ?? 0),
    model: Number(fields.get('model') ?? 0),
    stepping: Number(fields.get('stepping') ?? 0),
    logicalCpus,
    features,
    cpuid: { ...features },
    osEnabled: {
      osxsave: flags.has('xsave'),
      xmm: flags.has('sse'),
      ymm: flags.has('avx'),
      zmmOpmask: flags.has('avx512f'),
      zmmHi256: flags.has('avx512f'),
      zmmHi16: flags.has('avx512f'),
      amxTile: flags.has('amx_tile'),
    },
  };
}

/** MemTotal from /proc/meminfo, in bytes. */
export function readMemTotalFromProc(options: CpuinfoFallbackOptions = {}): number {
  const file = options.meminfoPath ?? '/proc/meminfo';
  const text = (options.readText ?? ((f: string) => readFileSync(f, 'utf8')))(file);
  const match = /^MemTotal:\s+(\d+)\s*kB/m.exec(text);
  if (match === null) throw new DataError(`${file} has no MemTotal line`, { file, expected: 'MemTotal:  <n> kB', found: text.slice(0, 80) });
  return Number(match[1]) * 1024;
}

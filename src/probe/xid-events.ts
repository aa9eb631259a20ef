import type { XidEvent } from './health-types.js';
import type { KernelRecord } from './kernel-log.js';
import type { XidCatalog } from './xid-catalog.js';

/** An Xid as the log states it, before it is matched to a GPU and given a meaning. */
export interface LoggedXid {
  code: number;
  pciAddress: string | null;
  uuid: string | null;
  message: string;
  secondsSinceBoot: number | null;
}

// "NVRM: Xid (PCI:0000:3b:00): 79, pid=..., GPU has fallen off the bus." Older drivers leave out
// "PCI:" ("NVRM: Xid (0000:03:00): 14, Channel 00000001"); MIG adds " GPU-I:05" inside the parentheses.
const XID_LINE = /NVRM: Xid \((?:PCI:)?((?:[0-9a-f]{4,8}:)?[0-9a-f]{2}:[0-9a-f]{2})(?:\.[0-9a-f])?[^)]*\):\s*(\d+)(?:,\s*(.*))?$/i;
// "NVRM: GPU at PCI:0000:2b:00: GPU-0b11d014-1685-04bd-26ed-5fc0bc1c44ae", logged before a GPU's first Xid.
const GPU_AT_LINE = /NVRM: GPU at (?:PCI:)?((?:[0-9a-f]{4,8}:)?[0-9a-f]{2}:[0-9a-f]{2})(?:\.[0-9a-f])?:\s*(GPU-[0-9a-f-]+)/i;
const MAX_EVENTS = 500;

/** "0000:3B:00", "00000000:3b:00.0" and "3b:00" -> "0000:3b:00" (domain:bus:device). */
export function pciDeviceAddress(address: string): string | null {
  const match = /^(?:([0-9a-f]+):)?([0-9a-f]+):([0-9a-f]+)(?:\.[0-9a-f]+)?$/i.exec(address.trim());
  if (match === null) return null;
  const hex = (value: string | undefined, width: number) => parseInt(value ?? '0', 16).toString(16).padStart(width, '0');
  return `${hex(match[1], 4)}:${hex(match[2], 2)}:${hex(match[3], 2)}`;
}

/**
 * Every Xid in the log, oldest first. A record's continuation lines belong to the Xid line above
 * them; a record that holds several Xid lines gives one event each.
 */
export function extractXids(records: readonly KernelRecord[]): LoggedXid[] {
  const uuidAt = new Map<string, string>();
  const events: LoggedXid[] = [];
  for (const record of records) {
    const lines = record.text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? '';
      const gpuAt = GPU_AT_LINE.exec(line);
      if (gpuAt !== null) {
        const address = pciDeviceAddress(gpuAt[1] ?? '');
        if (address !== null && gpuAt[2] !== undefined) uuidAt.set(address, gpuAt[2]);
        continue;
      }
      const xid = XID_LINE.exec(line);
      if (xid === null) continue;
      const continuation: string[] = [];
      while (i + 1 < lines.length && !XID_LINE.test(lines[i + 1] ?? '') && !GPU_AT_LINE.test(lines[i + 1] ?? '')) continuation.push((lines[++i] ?? '').trim());
      const address = pciDeviceAddress(xid[1] ?? '') ?? (record.device === null ? null : pciDeviceAddress(record.device));
      events.push({
        code: Number(xid[2]),
        pciAddress: address,
        uuid: address === null ? null : uuidAt.get(address) ?? null,
        message: [xid[3] ?? '', ...continuation].filter((part) => part !== '').join(' ').trim(),
        secondsSinceBoot: record.secondsSinceBoot,
      });
    }
  }
  // A long-running node can log thousands of the same application Xid; keep the newest.
  return events.slice(-MAX_EVENTS);
}

/** Gives each logged Xid its meaning (references/xid.yaml) and the probed GPU at its address. */
export function classifyXids(logged: readonly LoggedXid[], catalog: XidCatalog, gpus: ReadonlyArray<{ index: number; pciBusId: string | null; uuid: string | null }>): XidEvent[] {
  return logged.map((event) => {
    const gpu = gpus.find(
      (candidate) =>
        (event.pciAddress !== null && candidate.pciBusId !== null && pciDeviceAddress(candidate.pciBusId) === event.pciAddress) ||
        (event.uuid !== null && candidate.uuid !== null && candidate.uuid.toLowerCase() === event.uuid.toLowerCase()),
    );
    const meaning = catalog.lookup(event.code);
    return {
      ...event,
      uuid: event.uuid ?? gpu?.uuid ?? null,
      gpuIndex: gpu?.index ?? null,
      mnemonic: meaning?.mnemonic ?? null,
      meaning: meaning?.meaning ?? `not in ${catalog.file}`,
      action: meaning?.action ?? null,
      severity: catalog.severity(event.code, event.message),
    };
  });
}

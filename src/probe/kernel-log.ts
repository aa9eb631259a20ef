import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync, readSync } from 'node:fs';
import { describeError } from '../util/errors.js';

/** One kernel message. */
export interface KernelRecord {
  /** The message; continuation lines are joined with "\n". */
  text: string;
  secondsSinceBoot: number | null;
  /** The PCI address the kernel tagged the message with (kmsg's DEVICE=+pci:...), if any. */
  device: string | null;
}

export interface KernelLog {
  /** "/dev/kmsg", "journalctl -k -b" or "MLCHECK_KMSG=<file>"; null when nothing could be read. */
  source: string | null;
  records: KernelRecord[];
  /** Why the log could not be read; null when it was. */
  error: string | null;
}

export interface KernelLogOptions {
  /** MLCHECK_KMSG names a file that stands in for /dev/kmsg (kmsg or dmesg format); default process.env. */
  env?: NodeJS.ProcessEnv;
  kmsgPath?: string;
  /** Gives up on journalctl after this long (a hung journald must not hang the probe). */
  journalTimeoutMs?: number;
}

// "6,1234,5678901,-;message": priority, sequence, microseconds since boot, flags (kernel
// Documentation/ABI/testing/dev-kmsg). Lines that start with a space are the record's dictionary.
const KMSG_HEADER = /^(\d+),(\d+),(\d+),([^;]*);(.*)$/;
// dmesg and `journalctl -o short-monotonic` start a message with "[ 1234.567890]".
const BRACKET_TIMESTAMP = /^\s*\[\s*(\d+(?:\.\d+)?)\]/;
// syslog files and `journalctl` (short, short-iso) start one with a date: "Dec  1 03:27:00 host kernel:".
const SYSLOG_PREFIX = /^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\S+)\s/;

/**
 * The kernel log since boot: MLCHECK_KMSG if set (a test hook), else /dev/kmsg, else `journalctl
 * -k -b` where /dev/kmsg is not readable (kernel.dmesg_restrict=1 without root).
 */
export function readKernelLog(options: KernelLogOptions = {}): KernelLog {
  const env = options.env ?? process.env;
  const standIn = env.MLCHECK_KMSG;
  if (standIn !== undefined && standIn !== '') {
    const source = `MLCHECK_KMSG=${standIn}`;
    try {
      return { source, records: parseKernelLog(readFileSync(standIn, 'utf8')), error: null };
    } catch (error) {
      return { source, records: [], error: `${source}: ${describeError(error)}` };
    }
  }
  const kmsgPath = options.kmsgPath ?? '/dev/kmsg';
  let kmsgError: string;
  try {
    return { source: kmsgPath, records: parseKernelLog(readKmsgDevice(kmsgPath)), error: null };
  } catch (error) {
    kmsgError = `${kmsgPath}: ${describeError(error)}`;
  }
  try {
    const text = execFileSync('journalctl', ['-k', '-b', '-o', 'short-monotonic', '--no-pager', '-q'], {
      encoding: 'utf8',
      timeout: options.journalTimeoutMs ?? 5_000,
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { source: 'journalctl -k -b', records: parseKernelLog(text), error: null };
  } catch (error) {
    return { source: null, records: [], error: `${kmsgError}; journalctl -k -b: ${firstLine(describeError(error))}` };
  }
}

/** /dev/kmsg hands out one record per read(2) and, opened non-blocking, EAGAIN once all are read. */
function readKmsgDevice(file: string): string {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  const buffer = Buffer.alloc(64 * 1024);
  const chunks: string[] = [];
  try {
    for (;;) {
      let length: number;
      try {
        length = readSync(fd, buffer, 0, buffer.length, null);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') break;
        // The ring buffer overwrote the record we were about to read; the next read goes on.
        if (code === 'EPIPE') continue;
        throw error;
      }
      if (length === 0) break;
      chunks.push(buffer.toString('utf8', 0, length));
    }
  } finally {
    closeSync(fd);
  }
  return chunks.join('');
}

/** Records of a kernel log in /dev/kmsg format or in plain dmesg / journalctl / syslog format. */
export function parseKernelLog(text: string): KernelRecord[] {
  const lines = text.split('\n');
  const firstLine = lines.find((line) => line.trim() !== '') ?? '';
  return KMSG_HEADER.test(firstLine) ? parseKmsg(lines) : parsePlain(lines);
}

function parseKmsg(lines: string[]): KernelRecord[] {
  const records: KernelRecord[] = [];
  for (const line of lines) {
    const header = KMSG_HEADER.exec(line);
    if (header !== null) {
      const flags = header[4] ?? '';
      const message = unescapeKmsg(header[5] ?? '');
      const previous = records.at(-1);
      // Kernels before 5.x split a KERN_CONT message into fragments flagged '+'.
      if (flags.startsWith('+') && previous !== undefined) previous.text += message;
      else records.push({ text: message, secondsSinceBoot: Number(header[3]) / 1e6, device: null });
      continue;
    }
    const previous = records.at(-1);
    if (previous === undefined || !line.startsWith(' ')) continue;
    const device = /^ DEVICE=\+pci:(\S+)/.exec(line);
    if (device !== null) previous.device = device[1] ?? null;
  }
  return records;
}

/** kmsg writes non-printable bytes, newlines included, as \xNN. */
function unescapeKmsg(message: string): string {
  return message.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function parsePlain(lines: string[]): KernelRecord[] {
  const prefixed = lines.some((line) => BRACKET_TIMESTAMP.test(line) || SYSLOG_PREFIX.test(line));
  const records: KernelRecord[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    const startsRecord = prefixed ? BRACKET_TIMESTAMP.test(line) || SYSLOG_PREFIX.test(line) : !/^\s/.test(line);
    const previous = records.at(-1);
    if (!startsRecord && previous !== undefined) {
      previous.text += `\n${line.trim()}`;
      continue;
    }
    const stamp = BRACKET_TIMESTAMP.exec(line);
    records.push({ text: line.trim(), secondsSinceBoot: stamp === null ? null : Number(stamp[1]), device: null });
  }
  return records;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

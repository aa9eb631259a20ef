/**
 * Extracts named entries of a zip archive (a NuGet package is one) with Node's own zlib: no
 * archive library, no path from the archive used as a file name, sizes and CRC-32 checked.
 */
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

export interface ExtractZipEntriesOptions {
  zipFile: string;
  /** Output file name (a plain name, no folder) -> the entry's path inside the archive. */
  entries: Readonly<Record<string, string>>;
  /** Where the files are created (new files only: O_EXCL, O_NOFOLLOW, mode 0600). */
  outDir: string;
}

interface CentralEntry {
  name: string;
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL_HEADER = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const ZIP64_EXTRA = 0x0001;
const MAX_COMMENT = 0xffff;
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Writes each named entry into outDir; returns the files made, by output name. */
export async function extractZipEntries(options: ExtractZipEntriesOptions): Promise<Record<string, string>> {
  const handle = await open(options.zipFile, 'r');
  try {
    const central = await readCentralDirectory(handle, options.zipFile);
    const made: Record<string, string> = {};
    for (const [outName, entryPath] of Object.entries(options.entries)) {
      if (outName !== path.basename(outName) || outName === '.' || outName === '..') throw new Error(`${outName}: an output name must be a plain file name`);
      const entry = central.get(entryPath);
      if (entry === undefined) throw new Error(`${options.zipFile} has no entry ${entryPath}`);
      const target = path.join(options.outDir, outName);
      await extractEntry(handle, options.zipFile, entry, target);
      made[outName] = target;
    }
    return made;
  } finally {
    await handle.close();
  }
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

async function readCentralDirectory(handle: FileHandle, file: string): Promise<Map<string, CentralEntry>> {
  const { size } = await handle.stat();
  const tailLength = Math.min(size, 22 + MAX_COMMENT);
  const tail = await readAt(handle, size - tailLength, tailLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${file} is not a zip archive (no end of central directory record)`);
  let count = tail.readUInt16LE(eocd + 10);
  let directorySize = tail.readUInt32LE(eocd + 12);
  let directoryOffset = tail.readUInt32LE(eocd + 16);
  const locatorAt = eocd - 20;
  if (locatorAt >= 0 && tail.readUInt32LE(locatorAt) === ZIP64_LOCATOR) {
    const record = await readAt(handle, Number(tail.readBigUInt64LE(locatorAt + 8)), 56);
    if (record.length < 56 || record.readUInt32LE(0) !== ZIP64_EOCD) throw new Error(`${file}: broken zip64 end of central directory record`);
    count = Number(record.readBigUInt64LE(32));
    directorySize = Number(record.readBigUInt64LE(40));
    directoryOffset = Number(record.readBigUInt64LE(48));
  }
  if (directoryOffset + directorySize > size) throw new Error(`${file}: the central directory lies beyond the end of the file (truncated?)`);
  const directory = await readAt(handle, directoryOffset, directorySize);
  const entries = new Map<string, CentralEntry>();
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > directory.length || directory.readUInt32LE(at) !== CENTRAL_HEADER) throw new Error(`${file}: broken central directory entry ${i}`);
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    const entry: CentralEntry = {
      flags: directory.readUInt16LE(at + 8),
      method: directory.readUInt16LE(at + 10),
      crc32: directory.readUInt32LE(at + 16),
      compressedSize: directory.readUInt32LE(at + 20),
      size: directory.readUInt32LE(at + 24),
      localHeaderOffset: directory.readUInt32LE(at + 42),
      name: directory.toString('utf8', at + 46, at + 46 + nameLength),
    };
    applyZip64Extra(entry, directory.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength));
    // The first entry of a name is the one a reader would take; a second copy is never used.
    if (!entries.has(entry.name)) entries.set(entry.name, entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Sizes and offset that do not fit 32 bits are in the zip64 extra field, in this order. */
function applyZip64Extra(entry: CentralEntry, extra: Buffer): void {
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    if (id === ZIP64_EXTRA) {
      let field = at + 4;
      const next = (): number => {
        const value = Number(extra.readBigUInt64LE(field));
        field += 8;
        return value;
      };
      if (entry.size === 0xffffffff) entry.size = next();
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
      if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = next();
      return;
    }
    at += 4 + length;
  }
}

async function extractEntry(handle: FileHandle, file: string, entry: CentralEntry, target: string): Promise<void> {
  if ((entry.flags & 0x1) !== 0) throw new Error(`${file}: ${entry.name} is encrypted`);
  if (entry.method !== 0 && entry.method !== 8) throw new Error(`${file}: ${entry.name} uses compression method ${entry.method} (only stored and deflate are read)`);
  const local = await readAt(handle, entry.localHeaderOffset, 30);
  if (local.length < 30 || local.readUInt32LE(0) !== LOCAL_HEADER) throw new Error(`${file}: no local header for ${entry.name}`);
  const dataStart = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  const output = await open(target, CREATE_NEW, 0o600);
  const check = new SizeAndCrc(entry.size);
  try {
    const source = entry.compressedSize === 0 ? Readable.from([]) : createReadStream(file, { start: dataStart, end: dataStart + entry.compressedSize - 1 });
    const sink = createWriteStream('', { fd: output.fd, autoClose: false });
    if (entry.method === 8) await pipeline(source, zlib.createInflateRaw(), check, sink);
    else await pipeline(source, check, sink);
    await output.sync();
  } finally {
    await output.close();
  }
  if (check.bytes !== entry.size) throw new Error(`${file}: ${entry.name} unpacked to ${check.bytes} bytes, the archive says ${entry.size}`);
  if (check.crc32 !== entry.crc32) throw new Error(`${file}: ${entry.name} fails its CRC-32 check`);
}

/** Counts and checksums what passes, and stops an entry that grows past its stated size (a zip bomb). */
class SizeAndCrc extends Transform {
  bytes = 0;
  crc32 = 0;
  constructor(private readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) return callback(new Error(`an entry unpacks to more than the ${this.limit} bytes its archive states`));
    this.crc32 = crc32(chunk, this.crc32);
    callback(null, chunk);
  }
}

let table: Uint32Array | undefined;

/** zlib.crc32 where Node has it (20.15+), else the same polynomial by table. */
function crc32(chunk: Buffer, previous: number): number {
  const native = (zlib as { crc32?: (data: Buffer, value?: number) => number }).crc32;
  if (native) return native(chunk, previous);
  table ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = ~previous >>> 0;
  for (const byte of chunk) crc = table[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

import { unzipSync } from 'fflate';
import { isArbiterError } from '../errors.js';
import { packageInvalid } from './package-error.js';

/**
 * Reads a problem package's zip archive into memory, refusing anything that could hurt the server
 * or escape the package: zip bombs (every size is bounded before a byte is inflated: fflate
 * inflates each entry into a buffer of the size the archive declares, never more), too many
 * entries, path traversal (`..`, absolute paths, backslashes), symlinks and other special files,
 * encrypted entries, zip64 (a package never needs 4 GiB) and duplicate names.
 */

/** Bounds of one package. Defaults: DEFAULT_PACKAGE_LIMITS. */
export interface PackageLimits {
  /** The zip archive itself, in bytes. Default 16 MiB (the server's admin body limit). */
  maxZipBytes: number;
  /** Entries (files and directories). Default 4096. */
  maxEntries: number;
  /** All files inflated, in bytes. Default 64 MiB. */
  maxTotalBytes: number;
  /** One file inflated, in bytes. Default 16 MiB. */
  maxFileBytes: number;
}

export const DEFAULT_PACKAGE_LIMITS: Readonly<PackageLimits> = Object.freeze({
  maxZipBytes: 16 * 1024 * 1024,
  maxEntries: 4096,
  maxTotalBytes: 64 * 1024 * 1024,
  maxFileBytes: 16 * 1024 * 1024,
});

/** The name used in errors for the archive as a whole. */
export const ARCHIVE = 'the zip archive';

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
const UNIX_HOST = 3;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const FLAG_ENCRYPTED = 0x1;
const FLAG_UTF8 = 0x800;
const STORED = 0;
const DEFLATED = 8;

interface CentralEntry {
  name: string;
  directory: boolean;
  size: number;
  crc: number;
}

/** Files of a package by their path inside it (`data/sample/1.in`); directories are implied. */
export type PackageFileMap = Map<string, Uint8Array>;

export function readPackageZip(
  zip: Uint8Array,
  limits: PackageLimits = DEFAULT_PACKAGE_LIMITS,
): PackageFileMap {
  if (zip.length > limits.maxZipBytes) {
    throw packageInvalid(ARCHIVE, `is ${zip.length} bytes; the limit is ${limits.maxZipBytes}`);
  }
  const entries = readCentralDirectory(zip, limits);
  let total = 0;
  for (const entry of entries) {
    if (entry.directory) continue;
    if (entry.size > limits.maxFileBytes) {
      throw packageInvalid(
        entry.name,
        `inflates to ${entry.size} bytes; one file may have ${limits.maxFileBytes}`,
      );
    }
    total += entry.size;
    if (total > limits.maxTotalBytes) {
      throw packageInvalid(
        ARCHIVE,
        `inflates to more than ${limits.maxTotalBytes} bytes, the limit for a package`,
      );
    }
  }
  const expected = new Map(entries.filter((e) => !e.directory).map((e) => [e.name, e]));
  let inflated: Record<string, Uint8Array>;
  try {
    inflated = unzipSync(zip, {
      // fflate's own reading of each size, checked again: it allocates exactly this much.
      filter: (file) => {
        if (file.name.endsWith('/')) return false;
        if (expected.get(file.name)?.size !== file.originalSize) {
          throw packageInvalid(file.name, 'its sizes in the archive disagree');
        }
        return true;
      },
    });
  } catch (error) {
    if (isArbiterError(error)) throw error;
    throw packageInvalid(
      ARCHIVE,
      `cannot be read (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const files: PackageFileMap = new Map();
  for (const [name, { size, crc }] of expected) {
    const data = inflated[name];
    if (!data || data.length !== size) throw packageInvalid(name, 'cannot be inflated to its declared size');
    // A size that understates the data inflates short (never past it): the checksum tells.
    if (crc32(data) !== crc) throw packageInvalid(name, 'is damaged (its checksum does not match)');
    files.set(name, data);
  }
  return files;
}

/** The archive's central directory: every entry's checked name, kind and declared inflated size. */
function readCentralDirectory(zip: Uint8Array, limits: PackageLimits): CentralEntry[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = -1;
  for (let at = zip.length - EOCD_SIZE; at >= 0 && at >= zip.length - EOCD_SIZE - MAX_COMMENT; at--) {
    if (view.getUint32(at, true) === EOCD_SIGNATURE) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw packageInvalid(ARCHIVE, 'is not a zip archive (no end of central directory)');
  const count = view.getUint16(eocd + 10, true);
  const offset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || offset === 0xffffffff) {
    throw packageInvalid(ARCHIVE, 'is a zip64 archive; a package must be an ordinary zip');
  }
  if (count > limits.maxEntries) {
    throw packageInvalid(ARCHIVE, `has ${count} entries; the limit is ${limits.maxEntries}`);
  }
  const entries: CentralEntry[] = [];
  const names = new Set<string>();
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > zip.length || view.getUint32(at, true) !== CENTRAL_SIGNATURE) {
      throw packageInvalid(ARCHIVE, 'has a damaged central directory');
    }
    const madeBy = view.getUint16(at + 4, true);
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const attributes = view.getUint32(at + 38, true);
    const rawName = zip.subarray(at + 46, at + 46 + nameLength);
    // As fflate reads it: UTF-8 when the entry says so, else one character per byte.
    const name =
      flags & FLAG_UTF8
        ? new TextDecoder().decode(rawName)
        : Array.from(rawName, (byte) => String.fromCharCode(byte)).join('');
    at += 46 + nameLength + extraLength + commentLength;

    const directory = name.endsWith('/');
    checkEntryName(name);
    if (names.has(name)) throw packageInvalid(name, 'appears twice in the archive');
    names.add(name);
    if (flags & FLAG_ENCRYPTED) throw packageInvalid(name, 'is encrypted');
    if (!directory && method !== STORED && method !== DEFLATED) {
      throw packageInvalid(name, `uses compression method ${method}; only stored and deflate are read`);
    }
    if (size === 0xffffffff)
      throw packageInvalid(name, 'is a zip64 entry; a package must be an ordinary zip');
    if (madeBy >> 8 === UNIX_HOST) {
      const type = (attributes >>> 16) & S_IFMT;
      if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) {
        throw packageInvalid(name, 'is a symlink or special file; a package holds only plain files');
      }
    }
    entries.push({ name, directory, size, crc });
  }
  return entries;
}

/** Refuses names that could escape the package or mean different files on different systems. */
function checkEntryName(name: string): void {
  const shown = JSON.stringify(name.slice(0, 200));
  if (name === '' || name.length > 1000)
    throw packageInvalid(ARCHIVE, `has an entry with an unusable name ${shown}`);
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) {
    throw packageInvalid(name, 'is an absolute path; package paths must be relative');
  }
  if (name.includes('\\')) throw packageInvalid(name, 'contains a backslash; package paths use /');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name))
    throw packageInvalid(ARCHIVE, `has an entry name with control characters ${shown}`);
  const parts = name.replace(/\/$/, '').split('/');
  if (parts.some((part) => part === '..')) throw packageInvalid(name, 'leaves the package (..)');
  if (parts.some((part) => part === '' || part === '.'))
    throw packageInvalid(name, 'has an empty or "." path segment');
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** The zip format's CRC-32 (IEEE 802.3). */
function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Judge0's `additional_files`: a base64 .zip whose entries are placed in the program's work
 * directory. The archive is untrusted, so extraction refuses paths that would leave the work
 * directory and stops as soon as the output passes the size cap: the archive is fed to fflate's
 * streaming unzip in small pieces, which bounds the work a zip bomb can cause to one piece's worth
 * past the cap (deflate expands at most about 1,032 times).
 */
import { isUtf8 } from 'node:buffer';
import { Unzip, UnzipInflate, UnzipPassThrough } from 'fflate';

/** Bytes of the archive handed to the unzipper at a time. */
const PIECE_BYTES = 16 * 1024;
/** Entries one archive may hold. */
export const MAX_ARCHIVE_ENTRIES = 1000;
const MAX_PATH_CHARS = 1024;
const MAX_SEGMENT_CHARS = 255;
const STORED = 0;
const DEFLATED = 8;

export interface ExtractedFile {
  /** Relative path inside the work directory, "/"-separated. */
  name: string;
  data: Buffer;
  /** False when the bytes are not UTF-8 text (images, jars, compiled objects). */
  text: boolean;
}

/** The path an entry may be written to, or why not. Directories ("dir/") come back as null. */
export function safeEntryPath(raw: string): { path: string | null } | { error: string } {
  let name = raw;
  while (name.startsWith('./')) name = name.slice(2);
  if (name.endsWith('/')) return { path: null };
  const unsafe =
    name === '' ||
    name.startsWith('/') ||
    name.includes('\\') ||
    name.includes('\0') ||
    name.includes('..') ||
    name.length > MAX_PATH_CHARS ||
    name
      .split('/')
      .some((segment) => segment === '' || segment === '.' || segment.length > MAX_SEGMENT_CHARS);
  return unsafe
    ? { error: `has an entry whose path is not inside the work directory: ${raw}` }
    : { path: name };
}

/**
 * The files of a zip archive, or why it cannot be used. `maxBytes` caps the unpacked total.
 * Directory entries are skipped (directories are made for the files that need them).
 */
export function extractZip(zip: Uint8Array, maxBytes: number): ExtractedFile[] | { error: string } {
  const empty = zip.length >= 4 && zip[0] === 0x50 && zip[1] === 0x4b && zip[2] === 0x05 && zip[3] === 0x06;
  if (empty) return [];
  const local = zip.length >= 4 && zip[0] === 0x50 && zip[1] === 0x4b && zip[2] === 0x03 && zip[3] === 0x04;
  if (!local) return { error: 'is not a zip archive' };

  const entries: { name: string; chunks: Uint8Array[] }[] = [];
  const names = new Set<string>();
  let total = 0;
  let problem: string | null = null;
  const unzipper = new Unzip((file) => {
    if (problem) return;
    const checked = safeEntryPath(file.name);
    if ('error' in checked) {
      problem = checked.error;
      return;
    }
    if (checked.path === null) return;
    if (names.has(checked.path)) {
      problem = `has two entries named ${checked.path}`;
      return;
    }
    if (file.compression !== STORED && file.compression !== DEFLATED) {
      problem = `uses a compression method other than deflate or store (entry ${checked.path})`;
      return;
    }
    if (names.size >= MAX_ARCHIVE_ENTRIES) {
      problem = `has more than ${MAX_ARCHIVE_ENTRIES} files`;
      return;
    }
    names.add(checked.path);
    const entry = { name: checked.path, chunks: [] as Uint8Array[] };
    entries.push(entry);
    file.ondata = (error, data) => {
      if (problem) return;
      if (error) {
        problem = `is not a valid zip archive (${error.message})`;
        return;
      }
      total += data.length;
      if (total > maxBytes) {
        problem = `unpacks to more than ${Math.floor(maxBytes / 1024)} KB`;
        file.terminate();
        return;
      }
      entry.chunks.push(data);
    };
    file.start();
  });
  unzipper.register(UnzipInflate);
  unzipper.register(UnzipPassThrough);
  try {
    for (let offset = 0; offset < zip.length && !problem; offset += PIECE_BYTES) {
      unzipper.push(zip.subarray(offset, offset + PIECE_BYTES), offset + PIECE_BYTES >= zip.length);
    }
  } catch (error) {
    problem ??= `is not a valid zip archive (${(error as Error).message})`;
  }
  if (problem) return { error: problem };
  return entries.map(({ name, chunks }) => {
    const data = Buffer.concat(chunks);
    return { name, data, text: isUtf8(data) };
  });
}

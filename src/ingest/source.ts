/**
 * @module ingest/source
 * Turns the paths a user gives into byte streams: directories are walked, `-` is standard input, and gzip is
 * recognised by its magic bytes (not its name) and decompressed on the fly.
 */
import { createReadStream, type Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** One input to read. `size` is the on-disk size (compressed for .gz), for progress. */
export interface InputFile {
  path: string;
  source: 'file' | 'stdin';
  size?: number;
}

/** Extensions read when walking a directory; named files are always read, whatever their name. */
const LOG_EXTENSIONS = /\.(json|jsonl|ndjson|csv|tsv|log|txt|gz)$/i;

export interface ExpandedInputs {
  files: InputFile[];
  /** Files inside directories passed over because their extension is not a log extension. */
  passedOver: string[];
  /** Paths that do not exist or cannot be read, with the reason. */
  missing: { path: string; message: string }[];
}

/** Expands paths (files, directories recursively in name order, `-`) into the files to read. */
export async function expandInputs(paths: readonly string[]): Promise<ExpandedInputs> {
  const out: ExpandedInputs = { files: [], passedOver: [], missing: [] };
  for (const path of paths) {
    if (path === '-') {
      out.files.push({ path: '-', source: 'stdin' });
      continue;
    }
    try {
      const info = await stat(path);
      if (info.isDirectory()) await walk(path, out);
      else out.files.push({ path, source: 'file', size: info.size });
    } catch (error) {
      out.missing.push({ path, message: (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : String((error as Error).message) });
    }
  }
  return out;
}

async function walk(dir: string, out: ExpandedInputs): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    out.missing.push({ path: dir, message: (error as Error).message });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) await walk(full, out);
    else if (entry.isFile()) {
      if (LOG_EXTENSIONS.test(entry.name)) out.files.push({ path: full, source: 'file', size: (await stat(full)).size });
      else out.passedOver.push(full);
    }
  }
}

/** A byte stream whose first bytes have been looked at and will still be delivered. */
export interface PeekedStream {
  head: Buffer;
  /** True when the whole input fits in `head`. */
  ended: boolean;
  chunks: AsyncIterable<Buffer>;
  /** Set when the input was gzip and is being decompressed. */
  compressed?: boolean;
}

/** Reads at least `bytes` (or to the end) without consuming them. */
export async function peek(stream: AsyncIterable<Buffer>, bytes: number): Promise<PeekedStream> {
  const iterator = stream[Symbol.asyncIterator]();
  const taken: Buffer[] = [];
  let length = 0;
  let ended = false;
  while (length < bytes) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : (next.value as Buffer);
    taken.push(chunk);
    length += chunk.length;
  }
  const head = taken.length === 1 ? taken[0]! : Buffer.concat(taken);
  async function* replay(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value as Buffer;
    }
  }
  return { head, ended, chunks: replay() };
}

const CHUNK = 1 << 18;

/**
 * Opens an input as a stream of decompressed bytes. `onRawBytes` reports bytes read from disk (for progress).
 */
export async function openInput(input: InputFile, onRawBytes?: (n: number) => void): Promise<PeekedStream> {
  const raw: AsyncIterable<Buffer> =
    input.source === 'stdin' ? process.stdin : createReadStream(input.path, { highWaterMark: CHUNK });
  const counted = onRawBytes ? countBytes(raw, onRawBytes) : raw;
  const peeked = await peek(counted, 2);
  if (peeked.head.length >= 2 && peeked.head[0] === 0x1f && peeked.head[1] === 0x8b) {
    const gunzip = Readable.from(peeked.chunks).pipe(createGunzip({ chunkSize: CHUNK }));
    return { ...(await peek(gunzip, 64 * 1024)), compressed: true };
  }
  return peek(peeked.chunks, 64 * 1024);
}

async function* countBytes(stream: AsyncIterable<Buffer>, onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of stream) {
    onBytes(chunk.length);
    yield chunk;
  }
}

export function displayName(input: InputFile): string {
  return input.source === 'stdin' ? '-' : input.path;
}

export function baseNameOf(input: InputFile): string {
  return input.source === 'stdin' ? '-' : basename(input.path);
}

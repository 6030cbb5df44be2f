/**
 * @module watch/folder-source
 * A folder of Azure Monitor diagnostic exports kept in sync with Storage (`insights-logs-<category>/…/PT1H.json`
 * append blobs: one JSON record per line, appended through the hour). Each poll reads every file from where the
 * last one stopped, up to its last complete line, so a line being written is read next time, whole. A file that
 * shrank was rewritten and is read again from the start (alert ids make the repeats harmless).
 */
import { open, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { normalizeDiagnosticRecord } from '../ingest/formats/diagnostic.js';
import { isRejection } from '../ingest/types.js';
import type { CanonicalEvent } from '../model/event.js';

export interface FolderCheckpoint {
  /** Per file (path relative to the folder): bytes read (always at a line end), and lines read. */
  files: Record<string, { offset: number; line: number }>;
}

export interface FolderIssue { file: string; line: number; reason: string }

export interface FolderPollResult {
  events: CanonicalEvent[];
  /** Lines that are not a record appwatch reads, with file and line: counted and reported, never dropped silently. */
  skipped: FolderIssue[];
  checkpoint: FolderCheckpoint;
  bytes: number;
}

const CHUNK = 4 * 1024 * 1024;
const SETTLED_MS = 120_000;

function isWholeJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if (entry.isFile() && /\.json$/i.test(entry.name)) out.push(path);
  }
  return out.sort();
}

/** Reads what was appended to each file since the checkpoint. `maxBytes` bounds one poll's reading. */
export async function pollDiagnosticFolder(dir: string, checkpoint: FolderCheckpoint | undefined, maxBytes = 256 * 1024 * 1024): Promise<FolderPollResult> {
  const files = { ...(checkpoint?.files ?? {}) };
  const events: CanonicalEvent[] = [];
  const skipped: FolderIssue[] = [];
  let bytes = 0;
  for (const path of await listFiles(dir)) {
    if (bytes >= maxBytes) break;
    const name = relative(dir, path);
    const info = await stat(path);
    const size = info.size;
    // A last line with no newline is still being written, unless the file has been quiet for a while.
    const settled = Date.now() - info.mtimeMs > SETTLED_MS;
    let position = files[name] ?? { offset: 0, line: 0 };
    if (size < position.offset) position = { offset: 0, line: 0 };
    if (size === position.offset) continue;
    const handle = await open(path, 'r');
    try {
      let offset = position.offset;
      let line = position.line;
      const readLine = (text: string, at: number): void => {
        line++;
        const trimmed = text.replace(/^\uFEFF/, '').trim();
        if (trimmed === '') return;
        let value: unknown;
        try {
          value = JSON.parse(trimmed);
        } catch (error) {
          skipped.push({ file: path, line, reason: `not JSON: ${(error as Error).message}` });
          return;
        }
        const event = normalizeDiagnosticRecord(value, { source: 'file', format: 'diagnostic', file: path, line, offset: at });
        if (isRejection(event)) skipped.push({ file: path, line, reason: event.message });
        else events.push(event);
      };
      let carry = Buffer.alloc(0);
      while (offset + carry.length < size && bytes < maxBytes) {
        const buffer = Buffer.alloc(Math.min(CHUNK, size - offset - carry.length));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset + carry.length);
        if (bytesRead === 0) break;
        const data = carry.length > 0 ? Buffer.concat([carry, buffer.subarray(0, bytesRead)]) : buffer.subarray(0, bytesRead);
        let from = 0;
        for (let newline = data.indexOf(0x0a); newline >= 0; newline = data.indexOf(0x0a, from)) {
          readLine(data.toString('utf8', from, newline), offset + from);
          from = newline + 1;
        }
        bytes += from;
        offset += from;
        carry = data.subarray(from);
      }
      // What follows the last newline is a line still being written, read next time; unless the file has been
      // quiet for a while and it is a whole record (some writers end the file without a newline).
      if (carry.length > 0 && offset + carry.length === size && settled && isWholeJson(carry.toString('utf8'))) {
        readLine(carry.toString('utf8'), offset);
        bytes += carry.length;
        offset += carry.length;
      }
      files[name] = { offset, line };
    } finally {
      await handle.close();
    }
  }
  events.sort((a, b) => (a.appwatch.time < b.appwatch.time ? -1 : a.appwatch.time > b.appwatch.time ? 1 : 0));
  return { events, skipped, checkpoint: { files }, bytes };
}

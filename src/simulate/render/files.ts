/**
 * @module simulate/render/files
 * Buffered output files for the renderers: many files open at once (one per table, category or hour), each
 * written in large chunks with back-pressure; JSON documents get their opening and closing text.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

interface OpenFile { stream: WriteStream; chunks: string[]; size: number; count: number; close: string }

const FLUSH_AT = 1 << 20;

export class FileSet {
  private readonly files = new Map<string, OpenFile>();
  readonly written = new Set<string>();

  /** Appends one item; `open` and `close` wrap a JSON document, `separator` goes between items. */
  async append(path: string, text: string, doc?: { open: string; close: string; separator: string }): Promise<void> {
    let file = this.files.get(path);
    if (!file) {
      await mkdir(dirname(path), { recursive: true });
      file = { stream: createWriteStream(path), chunks: doc ? [doc.open] : [], size: 0, count: 0, close: doc?.close ?? '' };
      this.files.set(path, file);
      this.written.add(path);
    }
    if (file.count > 0 && doc) file.chunks.push(doc.separator);
    file.chunks.push(text);
    file.size += text.length;
    file.count++;
    if (file.size >= FLUSH_AT) await this.flush(file);
  }

  count(path: string): number { return this.files.get(path)?.count ?? 0; }

  private async flush(file: OpenFile): Promise<void> {
    const text = file.chunks.join('');
    file.chunks = [];
    file.size = 0;
    if (!file.stream.write(text)) await new Promise<void>((resolve) => file.stream.once('drain', resolve));
  }

  /** Closes one file (its JSON document ends here). */
  async closeFile(path: string): Promise<void> {
    const file = this.files.get(path);
    if (!file) return;
    file.chunks.push(file.close);
    await this.flush(file);
    await new Promise<void>((resolve, reject) => file.stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
    this.files.delete(path);
  }

  async closeAll(): Promise<void> {
    for (const path of [...this.files.keys()]) await this.closeFile(path);
  }
}

/** `2026-10-05` */
export function dateOf(ms: number): string { return new Date(ms).toISOString().slice(0, 10); }

/**
 * @module sinks/delivery/append-file
 * Durable line appends for the file sinks: O_APPEND, the whole line in one go, fsync before success. A line cut
 * short by a crash is isolated (the next append starts on a new line), and a file moved away by log rotation is
 * noticed and reopened at its path.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DeliveryError } from './sink.js';

export class AppendFile {
  private handle: FileHandle | undefined;
  private identity: { dev: number; ino: number } | undefined;
  /** The file does not end with a newline (a torn last line): start the next append with one. */
  private needsNewline = false;

  constructor(private readonly path: string) {}

  /** Appends `line` and a newline, fsync'd. Failures are retryable: a full disk or a permission can be fixed. */
  async append(line: string): Promise<void> {
    try {
      const handle = await this.ensureOpen();
      const data = Buffer.from(`${this.needsNewline ? '\n' : ''}${line}\n`, 'utf8');
      let offset = 0;
      while (offset < data.length) {
        const { bytesWritten } = await handle.write(data, offset, data.length - offset);
        offset += bytesWritten;
        // Some bytes are in the file now: whatever happens next, the file no longer ends on a line boundary.
        this.needsNewline = true;
      }
      await handle.sync();
      this.needsNewline = false;
    } catch (error) {
      await this.drop();
      if (error instanceof DeliveryError) throw error;
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new DeliveryError(`cannot append to ${this.path}: ${code}`, { retryable: true });
    }
  }

  async close(): Promise<void> {
    await this.drop();
  }

  private async ensureOpen(): Promise<FileHandle> {
    if (this.handle && this.identity) {
      // Rotated away (renamed or deleted) since the last append: follow the path, as `tail -F` does.
      const current = await stat(this.path).catch(() => undefined);
      if (current && current.dev === this.identity.dev && current.ino === this.identity.ino) return this.handle;
      await this.drop();
    }
    const existed = await stat(this.path).then(() => true, () => false);
    // a+: appends always go to the end (O_APPEND); reading is for the torn-line check.
    const handle = await open(this.path, 'a+', 0o600);
    try {
      const info = await handle.stat();
      this.needsNewline = false;
      if (info.size > 0) {
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, info.size - 1);
        this.needsNewline = last[0] !== 0x0a;
      }
      // A new file's directory entry must reach the disk too, or a crash could lose the whole file.
      if (!existed) await syncDirectory(dirname(this.path));
      this.handle = handle;
      this.identity = { dev: info.dev, ino: info.ino };
      return handle;
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  private async drop(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    this.identity = undefined;
    await handle?.close().catch(() => undefined);
  }
}

async function syncDirectory(dir: string): Promise<void> {
  // Not every platform can open a directory for fsync (Windows); the file's own fsync still holds there.
  const handle = await open(dir, 'r').catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync().catch(() => undefined);
  } finally {
    await handle.close();
  }
}

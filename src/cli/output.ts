/**
 * @module cli/output
 * Buffered writing of data to stdout (or `--out FILE`) that respects back-pressure and stops quietly when the
 * reader goes away (`appwatch events … | head`).
 */
import { createWriteStream } from 'node:fs';

export class DataWriter {
  private buffer = '';
  private closed = false;
  private readonly stream: NodeJS.WritableStream;

  constructor(outFile?: string) {
    this.stream = outFile ? createWriteStream(outFile) : process.stdout;
    this.stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') this.closed = true;
      else throw error;
    });
  }

  /** True once the reader has gone away: callers may stop producing. */
  get isClosed(): boolean {
    return this.closed;
  }

  async write(text: string): Promise<void> {
    if (this.closed) return;
    this.buffer += text;
    if (this.buffer.length >= 1 << 16) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.closed || this.buffer === '') return;
    const chunk = this.buffer;
    this.buffer = '';
    if (!this.stream.write(chunk)) {
      // Wait for drain, or for the stream to go away (EPIPE closes it): one listener pair per wait, removed after.
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.stream.off('drain', done);
          this.stream.off('close', done);
          resolve();
        };
        this.stream.on('drain', done);
        this.stream.on('close', done);
      });
    }
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.stream !== process.stdout && !this.closed) {
      await new Promise<void>((resolve) => this.stream.end(resolve));
    }
  }
}

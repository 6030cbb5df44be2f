/**
 * @module cli/terminal
 * Everything written for people on stderr: status lines (`[+]` info, `[!]` warning, `[x]` error) and the
 * progress bar. Log content is attacker-controlled, so every string is made inert first: control characters
 * (ANSI escapes, carriage returns, NUL) are shown as escapes, never passed to the terminal.
 */

// C0 controls except tab and newline, DEL, C1 controls, and the Unicode line/paragraph separators and bidi overrides.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Makes text safe to print on a terminal: control characters become visible `\u….` escapes. */
export function inert(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Like `inert`, and also folds newlines and tabs, for one-line cells. */
export function inertLine(text: string): string {
  return inert(text).replace(/\n/g, '\\n').replace(/\t/g, ' ');
}

export interface Reporter {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Writes a prepared block (already made inert) as it is. */
  block(text: string): void;
  readonly quiet: boolean;
}

export function createReporter(stream: NodeJS.WritableStream & { isTTY?: boolean }, quiet: boolean): Reporter {
  const color = Boolean(stream.isTTY) && process.env.NO_COLOR === undefined;
  const paint = (code: string, text: string): string => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  return {
    quiet,
    info: (m) => {
      if (!quiet) stream.write(`${paint('32', '[+]')} ${inert(m)}\n`);
    },
    warn: (m) => {
      if (!quiet) stream.write(`${paint('33', '[!]')} ${inert(m)}\n`);
    },
    error: (m) => {
      stream.write(`${paint('31', '[x]')} ${inert(m)}\n`);
    },
    block: (text) => {
      if (!quiet) stream.write(text);
    },
  };
}

/** A one-line progress bar on stderr, redrawn at most four times a second. */
export class ProgressBar {
  private bytes = 0;
  private events = 0;
  private skipped = 0;
  private last = 0;
  private drawn = false;
  private readonly started = Date.now();

  constructor(private readonly stream: NodeJS.WriteStream, private readonly totalBytes: number | undefined) {}

  update(delta: { bytes?: number; events?: number; skipped?: number }): void {
    this.bytes += delta.bytes ?? 0;
    this.events += delta.events ?? 0;
    this.skipped += delta.skipped ?? 0;
    const now = Date.now();
    if (now - this.last < 250) return;
    this.last = now;
    this.draw();
  }

  private draw(): void {
    const seconds = Math.max((Date.now() - this.started) / 1000, 0.001);
    const rate = `${(this.bytes / 1e6 / seconds).toFixed(1)} MB/s`;
    const width = 24;
    let bar = '';
    let percent = '';
    if (this.totalBytes && this.totalBytes > 0) {
      const ratio = Math.min(this.bytes / this.totalBytes, 1);
      const filled = Math.round(ratio * width);
      bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] `;
      percent = `${(ratio * 100).toFixed(0).padStart(3)}% `;
    }
    const line = `${bar}${percent}${formatBytes(this.bytes)} · ${this.events.toLocaleString('en-US')} events · ${this.skipped} skipped · ${rate}`;
    this.stream.write(`\r\u001b[2K${line}`);
    this.drawn = true;
  }

  /** Removes the bar so the next line starts clean. */
  clear(): void {
    if (this.drawn) this.stream.write('\r\u001b[2K');
    this.drawn = false;
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

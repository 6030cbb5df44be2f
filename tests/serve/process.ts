/**
 * `appwatch serve` as a child process (the built CLI in dist/), as people run it: waits for the address it prints
 * once on stderr, and stops it with SIGTERM.
 */
import { spawn } from 'node:child_process';
import { CLI, ROOT } from './stores.js';

export interface Served {
  url: string;
  origin: string;
  port: number;
  token: string;
  stderr: () => string;
  stop: () => Promise<number | null>;
}

export function startServe(args: readonly string[], timeoutMs = 30_000): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`appwatch serve printed no address within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    const early = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`appwatch serve exited (${code}) before printing its address:\n${stderr}`));
    };
    child.once('exit', early);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      const m = /^\[\+\] open (http:\/\/\S+)$/m.exec(stderr);
      if (!m) return;
      clearTimeout(timer);
      child.off('exit', early);
      const url = new URL(m[1]!);
      resolve({
        url: url.href, origin: url.origin, port: Number(url.port), token: url.searchParams.get('token') ?? '',
        stderr: () => stderr,
        stop: () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    });
  });
}

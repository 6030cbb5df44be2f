/**
 * `appwatch serve` as a child process (the built CLI in dist/), as people run it: waits for the address it prints
 * once on stderr, and stops it with SIGTERM.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CLI, ROOT } from './stores.js';

export interface Served {
  url: string;
  origin: string;
  port: number;
  token: string;
  stderr: () => string;
  stop: () => Promise<number | null>;
}

/**
 * The command line that runs `appwatch serve`: bin/appwatch.js once src/cli/main.ts registers the command; until
 * then the built command module run directly (the same code, without the program around it).
 */
function serveArgv(args: readonly string[]): string[] {
  const registered = readFileSync(join(ROOT, 'dist/cli/main.js'), 'utf8').includes('serveCommand');
  if (registered) return [CLI, 'serve', ...args];
  const module = pathToFileURL(join(ROOT, 'dist/cli/commands/serve.js')).href;
  const runner = `const { serveCommand } = await import(${JSON.stringify(module)}); let code = 0;
    await serveCommand((c) => { code = c; }).exitOverride().parseAsync(process.argv.slice(1), { from: 'user' }); process.exitCode = code;`;
  return ['--input-type=module', '-e', runner, '--', ...args];
}

export function startServe(args: readonly string[], timeoutMs = 30_000): Promise<Served> {
  const child = spawn(process.execPath, serveArgv(args), { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
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

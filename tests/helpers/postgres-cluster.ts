/**
 * A private, throwaway PostgreSQL cluster: initdb into a fresh temp folder, `postgres` on 127.0.0.1 and a free port
 * with its socket in that folder, durability off (nothing in it must survive a crash). The run's shared cluster
 * (tests/setup/postgres.ts) is one; a test that must take the server down and up again (tests/fleet/restart) starts
 * its own, so the other test files running beside it are not disturbed.
 *
 * PostgreSQL refuses to run as root: as root the folder is given to the `postgres` OS user (Debian's package
 * creates it) and initdb/postgres run through `runuser -u postgres --`.
 *
 * No vitest imports: the globalSetup runs this outside the test workers.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

export const POSTGRES_MISSING = 'PostgreSQL 15 not installed (apt-get install postgresql-15)';

export interface PostgresCluster {
  /** postgres://postgres@127.0.0.1:PORT/postgres (trust auth, no password). */
  url: string;
  port: number;
  /** Fast shutdown (clients disconnected), keeping the data; `start` brings it back on the same port. */
  shutdown(): Promise<void>;
  start(): Promise<void>;
  /** Shut down and delete the folder. */
  remove(): Promise<void>;
}

/** The server binaries: version 15 first, else the newest installed; undefined when there are none. */
export function findPostgresBinaries(): string | undefined {
  const base = '/usr/lib/postgresql';
  const has = (dir: string): boolean => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'));
  if (has(join(base, '15', 'bin'))) return join(base, '15', 'bin');
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (has(join(base, v, 'bin'))) return join(base, v, 'bin');
  return undefined;
}

/** uid and gid of an OS user, from /etc/passwd. */
function osUser(name: string): { uid: number; gid: number } | undefined {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === name && f[2] !== undefined && f[3] !== undefined) return { uid: Number(f[2]), gid: Number(f[3]) };
    }
  } catch {
    // No passwd file: treated as no such user.
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts a new cluster; throws when the binaries are missing or the server does not come up. */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = findPostgresBinaries();
  if (!bin) throw new Error(POSTGRES_MISSING);
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? osUser('postgres') : undefined;
  if (asRoot && !owner) throw new Error('running as root, and there is no postgres OS user to run PostgreSQL as (PostgreSQL refuses root)');
  // As root, commands run as the postgres user; its environment stays ours (PATH, locale) apart from HOME.
  const command = (file: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args]);

  const dir = await mkdtemp(join(tmpdir(), 'appwatch-pg-'));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const log = join(dir, 'postgres.log');
  let server: ChildProcess | undefined;
  let port = 0;

  const postmasterPid = (): number | undefined => {
    try {
      const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  // Node killed before the owner's teardown (Ctrl-C twice, a crash): no server or folder left behind.
  const onExit = (): void => {
    const pid = postmasterPid();
    try {
      if (pid) process.kill(pid, 'SIGQUIT');
    } catch {
      // Already gone.
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  const shutdown = async (): Promise<void> => {
    const running = server;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((r) => running.once('exit', () => r()));
    // SIGINT to the postmaster itself (runuser sits between us and it): fast shutdown, clients disconnected.
    const pid = postmasterPid();
    try {
      if (pid) process.kill(pid, 'SIGINT');
      else running.kill('SIGINT');
    } catch {
      running.kill('SIGINT');
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 10_000)));
    const outcome = await Promise.race([exited, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      if (pid) {
        try {
          process.kill(pid, 'SIGQUIT');
        } catch {
          // Already gone.
        }
      }
      running.kill('SIGKILL');
      await exited;
    }
  };

  /** Starts the server on `port` (0: a free one, retried if someone takes it first). */
  const launch = async (fixedPort: number): Promise<void> => {
    // Logs go to a file (a pipe nobody read would stall the server once full); read back when it fails to start.
    const logFd = openSync(log, 'a', 0o644);
    try {
      for (let attempt = 1; ; attempt++) {
        port = fixedPort || await freePort();
        const [postgres, args] = command(join(bin, 'postgres'), [
          '-D', data, '-k', dir, '-h', '127.0.0.1', '-p', String(port),
          // Tests only: no crash safety, much faster.
          '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
          '-c', 'max_connections=200',
        ]);
        server = spawn(postgres, args, { stdio: ['ignore', logFd, logFd], cwd: dir });
        const ready = await waitReady(port, server);
        if (ready === 'ready') return;
        const text = readFileSync(log, 'utf8');
        // Someone took the port between freePort and bind: try another (or, for a fixed port, the same again).
        if (attempt < 3 && /could not bind|Address already in use/i.test(text)) {
          await sleep(fixedPort ? 500 : 0);
          continue;
        }
        throw new Error(`PostgreSQL did not start (${ready}):\n${text.slice(-4000)}`);
      }
    } finally {
      closeSync(logFd);
    }
  };

  const remove = async (): Promise<void> => {
    await shutdown();
    process.removeListener('exit', onExit);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const [initdb, initArgs] = command(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C', '--no-instructions']);
    try {
      await promisify(execFile)(initdb, initArgs, { cwd: dir });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? '';
      throw new Error(`initdb failed: ${stderr || (error as Error).message}`);
    }
    await launch(0);
  } catch (error) {
    await remove();
    throw error;
  }
  return {
    get url() { return `postgres://postgres@127.0.0.1:${port}/postgres`; },
    get port() { return port; },
    shutdown,
    start: () => launch(port),
    remove,
  };
}

/** Connects until the server accepts queries (or exits, or 20 s pass). */
async function waitReady(port: number, server: ChildProcess): Promise<'ready' | 'exited' | 'timeout'> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) return 'exited';
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 1000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return 'ready';
    } catch {
      await client.end().catch(() => undefined);
      await sleep(50);
    }
  }
  return 'timeout';
}

/**
 * A simulated tenant whose logs end yesterday, in Graph's own page format, for tests that serve the logs from the
 * local Graph server (watch, crash safety): three days, so every scenario has its baseline days before it. And
 * reading what `appwatch simulate` wrote: every file of a folder, the diagnostic records of one category.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runCli } from './cli.js';
import type { GraphTenant } from './graph-server.js';

type Json = Record<string, unknown>;

/** Every file under `dir`, as paths, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else out.push(path);
  }
  return out.sort();
}

/** A simulated tenant's diagnostic records of one category, oldest first (as `simulate` renders Storage exports). */
export async function diagnosticRecordsOf(sim: string, category: string): Promise<Json[]> {
  const out: Json[] = [];
  for (const file of await listFiles(join(sim, 'logs', `insights-logs-${category}`))) {
    out.push(...(await readFile(file, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Json));
  }
  return out;
}

async function pages(dir: string): Promise<Json[]> {
  const out: Json[] = [];
  for (const name of (await readdir(dir)).sort()) out.push(...((JSON.parse(await readFile(join(dir, name), 'utf8')) as { value: Json[] }).value));
  return out;
}

export async function simulateRecentTenant(dir: string, options: { users: number; apps: number; seed: number }): Promise<{ snapshot: GraphTenant; directoryAudits: Json[]; signIns: Json[] }> {
  const start = new Date(Date.now() - 4 * 86_400_000).toISOString().slice(0, 10);
  const result = await runCli(['simulate', '--out', dir, '--days', '3', '--users', String(options.users), '--apps', String(options.apps), '--seed', String(options.seed), '--start', start, '--log-format', 'graph', '-q']);
  expect(result.code, result.stderr).toBe(0);
  return {
    snapshot: JSON.parse(await readFile(join(dir, 'snapshot.json'), 'utf8')) as GraphTenant,
    directoryAudits: await pages(join(dir, 'logs', 'graph', 'directoryAudits')),
    signIns: await pages(join(dir, 'logs', 'graph', 'signIns')),
  };
}

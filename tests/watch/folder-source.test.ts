/**
 * The diagnostic-export folder source: PT1H.json append blobs read incrementally, a line being written left for
 * the next poll, a rewritten (shorter) file read again, a bad line reported with its file and line and the rest
 * still read. Records are Key Vault AuditEvent records shaped like the real exports (the simulator writes them).
 */
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollDiagnosticFolder } from '../../src/watch/folder-source.js';
import { runCli } from '../helpers/cli.js';

let work: string;
let lines: string[];

async function firstBlob(dir: string): Promise<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = await firstBlob(path).catch(() => '');
      if (found) return found;
    } else if (entry.name === 'PT1H.json' && (await readFile(path, 'utf8')).split('\n').filter(Boolean).length >= 6) return path;
  }
  return '';
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'appwatch-folder-'));
  const sim = await runCli(['simulate', '--out', join(work, 'sim'), '--days', '3', '--users', '20', '--apps', '4', '--seed', '2', '-q']);
  expect(sim.code, sim.stderr).toBe(0);
  const blob = await firstBlob(join(work, 'sim', 'logs', 'insights-logs-auditevent'));
  lines = (await readFile(blob, 'utf8')).split('\n').filter(Boolean).slice(0, 6);
  expect(lines.length).toBe(6);
}, 60_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('diagnostic folder source', () => {
  it('reads what was appended since the last poll, and a half-written line only once it is whole', async () => {
    const dir = join(work, 'append', 'insights-logs-auditevent', 'resourceId=', 'SUBSCRIPTIONS', 'y=2026', 'm=11', 'd=28', 'h=10', 'm=00');
    await mkdir(dir, { recursive: true });
    const blob = join(dir, 'PT1H.json');
    await writeFile(blob, `${lines[0]}\n${lines[1]}\n`);
    const root = join(work, 'append');
    const first = await pollDiagnosticFolder(root, undefined);
    expect(first.events.map((e) => e.appwatch.kind)).toEqual(['keyvault', 'keyvault']);
    expect(first.events[0]!.appwatch.origin).toMatchObject({ file: blob, line: 1 });
    // Half of the third record is on disk: not read yet.
    const half = Math.floor(lines[2]!.length / 2);
    await appendFile(blob, lines[2]!.slice(0, half));
    const second = await pollDiagnosticFolder(root, first.checkpoint);
    expect(second.events).toHaveLength(0);
    await appendFile(blob, `${lines[2]!.slice(half)}\n${lines[3]}\n`);
    const third = await pollDiagnosticFolder(root, second.checkpoint);
    expect(third.events).toHaveLength(2);
    expect(third.events.map((e) => e.appwatch.origin.line)).toEqual([3, 4]);
    expect(third.events.map((e) => e.correlationId)).toEqual([lines[2], lines[3]].map((l) => (JSON.parse(l!) as { correlationId: string }).correlationId));
    const fourth = await pollDiagnosticFolder(root, third.checkpoint);
    expect(fourth.events).toHaveLength(0);
  });

  it('reports a bad line with file and line and reads the lines after it', async () => {
    const dir = join(work, 'bad', 'insights-logs-auditevent', 'h=11');
    await mkdir(dir, { recursive: true });
    const blob = join(dir, 'PT1H.json');
    await writeFile(blob, `${lines[0]}\n{"time": "2026-11-28T11:00:00Z", "category": \n${lines[1]}\n{"category":"SomethingElse","time":"2026-11-28T11:00:00Z"}\n${lines[2]}\n`);
    const result = await pollDiagnosticFolder(join(work, 'bad'), undefined);
    expect(result.events).toHaveLength(3);
    expect(result.skipped.map((s) => [s.file, s.line])).toEqual([[blob, 2], [blob, 4]]);
    expect(result.skipped[0]!.reason).toMatch(/^not JSON/);
    expect(result.skipped[1]!.reason).toContain('SomethingElse');
  });

  it('reads a rewritten (shorter) file again from the start, and a quiet file\'s last line without a newline', async () => {
    const dir = join(work, 'rewrite', 'h=12');
    await mkdir(dir, { recursive: true });
    const blob = join(dir, 'PT1H.json');
    await writeFile(blob, `${lines[0]}\n${lines[1]}\n${lines[2]}\n`);
    const first = await pollDiagnosticFolder(join(work, 'rewrite'), undefined);
    expect(first.events).toHaveLength(3);
    await writeFile(blob, `${lines[4]}\n${lines[5]}`);
    const fresh = await pollDiagnosticFolder(join(work, 'rewrite'), first.checkpoint);
    expect(fresh.events).toHaveLength(1);
    // Ten minutes without a write: the final line is complete, newline or not.
    const old = new Date(Date.now() - 10 * 60_000);
    await utimes(blob, old, old);
    const settled = await pollDiagnosticFolder(join(work, 'rewrite'), fresh.checkpoint);
    expect(settled.events).toHaveLength(1);
    expect(settled.events[0]!.appwatch.origin.line).toBe(2);
  });
});

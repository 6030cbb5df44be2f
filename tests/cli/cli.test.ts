/** The CLI as users run it: output streams, exit codes, errors that name file and line, inert output. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { fixture } from '../helpers/ingest.js';

const dir = mkdtempSync(join(tmpdir(), 'appwatch-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('appwatch events', () => {
  it('prints canonical events as JSON Lines on stdout, the summary on stderr', async () => {
    const r = await runCli(['events', fixture('diagnostic/PT1H.json'), '--kind', 'signin', '--limit', '3']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { appwatch: { kind: string; origin: { line: number } } });
    expect(lines).toHaveLength(3);
    expect(lines.every((e) => e.appwatch.kind === 'signin')).toBe(true);
    expect(lines[0]!.appwatch.origin.line).toBe(3); // lines 1–2 are audit records
    expect(r.stderr).toContain('Read 1 file');
  });

  it('reads standard input as file "-"', async () => {
    const r = await runCli(['events', '-', '--no-summary'], { stdin: readFileSync(fixture('graph/signIns.jsonl')) });
    expect(r.code).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { appwatch: { origin: { source: string; file: string } } });
    expect(events).toHaveLength(4);
    expect(events[0]!.appwatch.origin).toMatchObject({ source: 'stdin', file: '-', format: 'graph', line: 1 });
  });

  it('reads gzip by its magic bytes', async () => {
    const r = await runCli(['events', fixture('diagnostic/PT1H.json.gz'), '-q', '--no-summary']);
    expect(r.stdout.trim().split('\n')).toHaveLength(6);
  });
});

describe('bad input', () => {
  it('names file and line, reads on, and exits 0; --strict exits 3', async () => {
    const path = fixture('quirks/jsonl-bad-line.jsonl');
    const r = await runCli(['scan', path, '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/\[!\] .*jsonl-bad-line\.jsonl: line 3: invalid JSON/);
    const { summary } = JSON.parse(r.stdout) as { summary: { events: { signin: number }; skipped: { total: number; byReason: Record<string, number> } } };
    expect(summary.events.signin).toBe(4);
    expect(summary.skipped).toEqual({ total: 1, byReason: { 'invalid-json': 1 } });
    const strict = await runCli(['scan', path, '--strict', '-q', '--format', 'jsonl']);
    expect(strict.code).toBe(3);
  });

  it('exits 3 when nothing could be read, and says which formats were tried', async () => {
    const r = await runCli(['scan', fixture('quirks/unknown-format.txt'), '--format', 'jsonl']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('unknown-format.txt: in no known format (tried diagnostic, log-analytics, portal-csv, portal-json, graph, json)');
    const missing = await runCli(['scan', join(dir, 'nope.json'), '--format', 'jsonl']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('nope.json: no such file or directory');
  });

  it('an empty file (a quiet hour\'s blob) is not an error', async () => {
    const empty = join(dir, 'PT1H.json');
    writeFileSync(empty, '');
    const r = await runCli(['scan', empty, fixture('graph/signIns.jsonl'), '--strict', '--format', 'json']);
    expect(r.code).toBe(0);
    const { summary } = JSON.parse(r.stdout) as { summary: { files: { notes: string[] }[] } };
    expect(summary.files[0]!.notes).toEqual(['empty']);
  });

  it('renders attacker-controlled text inert on the terminal', async () => {
    // A file name and a record carrying terminal escapes (clear screen, set title, bell).
    const path = join(dir, 'hostile\u001b[2J\u0007.jsonl');
    writeFileSync(path, '{"time":"2026-10-01T00:00:00Z","category":"SignInLogs","operationName":"x","properties":{}}\n{"bad\u001b[2J\u001b]0;pwned\u0007": \n');
    const r = await runCli(['scan', path, '--format', 'jsonl']);
    expect(r.stderr).not.toMatch(/\u001b|\u0007/);
    expect(r.stderr).toContain('\\u001b[2J');
  });

  it('usage errors exit 2', async () => {
    expect((await runCli(['scan'])).code).toBe(2);
    expect((await runCli(['events', 'x', '--kind', 'nonsense'])).code).toBe(2);
    expect((await runCli(['scan', 'x', '--format', 'xml'])).code).toBe(2);
    expect((await runCli(['frobnicate'])).code).toBe(2);
  });

  it('--help works on every command', async () => {
    for (const args of [['--help'], ['events', '--help'], ['scan', '--help']]) {
      const r = await runCli(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Usage: appwatch');
    }
  });
});

describe('configuration', () => {
  it('an unknown key is an error naming the key path and line (exit 2)', async () => {
    writeFileSync(join(dir, 'appwatch.yaml'), 'ingest:\n  timeField: ts\n  tmeField: typo\n');
    const r = await runCli(['scan', fixture('plain/events.jsonl')], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('appwatch.yaml:3: unknown key ingest.tmeField');
  });

  it('settings apply: ingest.timeField reads plain events by another time field', async () => {
    const events = join(dir, 'custom.jsonl');
    writeFileSync(events, '{"when":"2026-10-01T10:00:00Z","msg":"a"}\n{"when":"2026-10-01T11:00:00Z","msg":"b"}\n');
    writeFileSync(join(dir, 'custom.yaml'), 'ingest:\n  inputFormat: json\n  timeField: when\n');
    const r = await runCli(['events', events, '--config', join(dir, 'custom.yaml'), '--no-summary']);
    expect(r.code).toBe(0);
    const times = r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { appwatch: { time: string } }).appwatch.time);
    expect(times).toEqual(['2026-10-01T10:00:00.000Z', '2026-10-01T11:00:00.000Z']);
  });
});

describe('a reader that goes away', () => {
  it('help written into a pipe closed early ends quietly, without a stack trace', async () => {
    const { spawnSync } = await import('node:child_process');
    const { ROOT } = await import('../helpers/ingest.js');
    // `head -c 1` closes the pipe after one byte, long before the help text is written.
    const r = spawnSync('sh', ['-c', `"${process.execPath}" bin/appwatch.js --help | head -c 1 > /dev/null`], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
  });
});

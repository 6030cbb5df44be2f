/**
 * The jsonl and ocsf sinks: whole lines appended (never a truncation), a torn last line left by a crash isolated,
 * a rotated file followed to its path, and write failures retryable.
 */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertJson, ocsfFinding } from '../../src/sinks/formats.js';
import { parseSinks } from '../../src/sinks/delivery/config.js';
import { createSink, DeliveryError, type DeliverySink } from '../../src/sinks/delivery/index.js';
import { alertN, GOLDEN } from './alerts.js';

let dir: string;
const open: DeliverySink[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'appwatch-file-sink-'));
});
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

function sink(type: 'jsonl' | 'ocsf', path: string): DeliverySink {
  const [config] = parseSinks([{ name: type, type, path }], dir);
  const s = createSink(config!, { version: '0.1.0' });
  open.push(s);
  return s;
}

const lines = (path: string): string[] => readFileSync(path, 'utf8').split('\n');

describe('jsonl sink', () => {
  it('appends one alertJson line per alert to what is there, and creates the file private', async () => {
    const path = join(dir, 'alerts.jsonl');
    writeFileSync(path, '{"earlier":true}\n');
    const s = sink('jsonl', 'alerts.jsonl');
    expect(s.reliable).toBe(true);
    await s.send(GOLDEN);
    await s.send(alertN(2));
    expect(lines(path)).toEqual(['{"earlier":true}', alertJson(GOLDEN), alertJson(alertN(2)), '']);
    const fresh = sink('jsonl', 'new.jsonl');
    await fresh.send(GOLDEN);
    expect(statSync(join(dir, 'new.jsonl')).mode & 0o777).toBe(0o600);
  });

  it('starts on a new line after a torn last line (a crash mid-write), so only that line is broken', async () => {
    const path = join(dir, 'alerts.jsonl');
    writeFileSync(path, `${alertJson(alertN(1))}\n{"id":"torn`);
    await sink('jsonl', path).send(GOLDEN);
    expect(lines(path)).toEqual([alertJson(alertN(1)), '{"id":"torn', alertJson(GOLDEN), '']);
  });

  it('follows the path after rotation (rename or delete), as tail -F does', async () => {
    const path = join(dir, 'alerts.jsonl');
    const s = sink('jsonl', path);
    await s.send(alertN(1));
    renameSync(path, `${path}.1`);
    await s.send(alertN(2));
    rmSync(path);
    await s.send(alertN(3));
    expect(lines(`${path}.1`)).toEqual([alertJson(alertN(1)), '']);
    expect(lines(path)).toEqual([alertJson(alertN(3)), '']);
  });

  it('fails retryably when it cannot write, and writes once the cause is fixed', async () => {
    const path = join(dir, 'missing', 'alerts.jsonl');
    const s = sink('jsonl', path);
    const e = await s.send(GOLDEN).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(DeliveryError);
    expect(e).toMatchObject({ retryable: true, message: `cannot append to ${path}: ENOENT` });
    mkdirSync(join(dir, 'missing'));
    await s.send(GOLDEN);
    expect(lines(path)).toEqual([alertJson(GOLDEN), '']);
  });

  it('writes concurrent sends as whole lines', async () => {
    const path = join(dir, 'alerts.jsonl');
    const s = sink('jsonl', path);
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.send(alertN(i))));
    expect(lines(path).slice(0, -1).map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(Array.from({ length: 20 }, (_, i) => alertN(i).id));
  });
});

describe('ocsf sink', () => {
  it('appends one OCSF Detection Finding per line, with the given version', async () => {
    const path = join(dir, 'findings.jsonl');
    const s = sink('ocsf', path);
    await s.send(GOLDEN);
    const [line] = lines(path);
    expect(JSON.parse(line!)).toEqual(JSON.parse(JSON.stringify(ocsfFinding(GOLDEN, '0.1.0'))));
    expect((JSON.parse(line!) as { finding_info: { uid: string } }).finding_info.uid).toBe(GOLDEN.id);
  });
});

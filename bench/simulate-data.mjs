// Benchmark inputs from the simulator (`appwatch simulate`): a realistic tenant's Azure Monitor diagnostic
// exports — sign-ins of the four kinds in a daily rhythm, workloads, Key Vault reads, routine changes and every
// attack scenario — rather than uniform random records, so rule and alert costs are those of a real tenant.
//
// The simulator writes hourly PT1H.json blobs per category; the benchmark wants one file, so the blobs are
// concatenated hour by hour (JSON Lines), or wrapped as one {"records":[…]} document.
//
// Usable as a library (generateSimFile) or as a worker thread (workerData = generateSimFile's argument).
// Needs the built simulator (dist/), which `npm run bench` builds first.

import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, rename, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { SCENARIO_NAMES, simulate } from '../dist/simulate/simulate.js';

/** Bump when the simulated shapes or the sizing change, so cached files are regenerated. */
export const SIM_VERSION = 4;

const DAYS = 14;
/** Diagnostic-export bytes per person per day at the simulator's default rhythm (measured: ~25 KB). */
const BYTES_PER_USER_DAY = 24_800;

async function files(dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await files(p)));
    else if (e.name.endsWith('.json')) out.push(p);
  }
  return out;
}

/** `insights-logs-signinlogs/…/y=2026/m=10/d=05/h=07/m=00/PT1H.json` → sort key `2026-10-05-07 signinlogs`. */
function hourKey(root, path) {
  const rel = relative(root, path);
  const m = /y=(\d+)\/m=(\d+)\/d=(\d+)\/h=(\d+)/.exec(rel);
  return `${m ? `${m[1]}-${m[2]}-${m[3]}-${m[4]}` : ''} ${rel.split('/')[0]}`;
}

export async function generateSimFile({ path, format, targetBytes, seed }) {
  const users = Math.max(20, Math.round(targetBytes / (BYTES_PER_USER_DAY * DAYS)));
  const dir = `${path}.sim`;
  await rm(dir, { recursive: true, force: true });
  await simulate({
    days: DAYS, users, apps: Math.max(12, Math.round(users / 50)), seed, scenarios: [...SCENARIO_NAMES], logFormat: 'diagnostic',
    out: dir, startMs: Date.parse('2026-10-05T00:00:00Z'),
  });
  const logs = join(dir, 'logs');
  const blobs = (await files(logs)).map((p) => ({ p, key: hourKey(logs, p) })).sort((a, b) => (a.key < b.key ? -1 : 1));
  const tmp = `${path}.tmp`;
  const out = createWriteStream(tmp, { highWaterMark: 4 << 20 });
  let bytes = 0, records = 0, chunk = '';
  const categories = {};
  const write = async (text) => {
    chunk += text;
    if (chunk.length < 1 << 20) return;
    const buf = Buffer.from(chunk, 'utf8');
    chunk = '';
    bytes += buf.length;
    if (!out.write(buf)) await new Promise((resolve) => out.once('drain', resolve));
  };
  try {
    if (format === 'records') await write('{"records":[\n');
    for (const { p } of blobs) {
      const category = relative(logs, p).split('/')[0].replace(/^insights-(logs-)?/, '');
      for await (const line of createInterface({ input: createReadStream(p), crlfDelay: Infinity })) {
        if (line === '') continue;
        await write(format === 'records' ? `${records === 0 ? '' : ',\n'}${line}` : `${line}\n`);
        records++;
        categories[category] = (categories[category] ?? 0) + 1;
      }
    }
    if (format === 'records') await write('\n]}\n');
    const buf = Buffer.from(chunk, 'utf8');
    bytes += buf.length;
    out.write(buf);
    await new Promise((resolve, reject) => out.end((err) => (err ? reject(err) : resolve())));
    await rename(tmp, path);
  } catch (err) {
    out.destroy();
    await rm(tmp, { force: true });
    throw err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { bytes, records, categories, users, days: DAYS };
}

if (!isMainThread && workerData?.path) {
  generateSimFile(workerData).then((r) => parentPort.postMessage(r));
}

// Ingestion benchmark for appwatch (`npm run bench`).
//
// 1. Simulates (or reuses) a realistic tenant's diagnostic-settings exports in bench/.data/ (see simulate-data.mjs).
// 2. Times a bare readline + JSON.parse loop (bare-loop.mjs) and `appwatch scan` on the same files,
//    each in its own child process, best of BENCH_RUNS runs.
// 3. Checks that both read the same number of records, then reports throughput and memory against the
//    targets, on stdout and in bench/.data/last-ingest.json.
//
// Exit code: 0 when the benchmark ran (even if a target is missed: it is a report), 1 on a record-count
// mismatch or any error.
//
// Env: BENCH_SCALE (default 1) scales every file size; BENCH_RUNS (default 2) runs per measurement;
//      BENCH_SEED (default "appwatch-bench") seeds the simulator; APPWATCH_BIN (default bin/appwatch.js)
//      is the CLI to run (a .js/.mjs/.cjs file runs under this Node, anything else is executed directly).

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SIM_VERSION } from './simulate-data.mjs';

const GENERATOR_VERSION = `simulator-${SIM_VERSION}`;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BENCH = join(ROOT, 'bench');
const DATA = join(BENCH, '.data');
const MB = 1e6; // decimal units throughout: 1 MB = 10^6 bytes, 1 GB = 10^9 bytes
const GB = 1e9;

const SCALE = envNumber('BENCH_SCALE', 1, (x) => x > 0);
const RUNS = envNumber('BENCH_RUNS', 2, (x) => Number.isInteger(x) && x >= 1);
const SEED = process.env.BENCH_SEED || 'appwatch-bench';
const BIN = resolve(ROOT, process.env.APPWATCH_BIN || 'bin/appwatch.js');

const TARGETS = {
  rulesRatio: 0.7, // appwatch with every SigmaHQ Azure rule (+ built-ins) MB/s ÷ bare-loop MB/s, at least
  rulesX10Cost: 2, // time with ten times the rules ÷ time with the rule set, below
  throughputRatio: 0.8, // appwatch MB/s ÷ bare-loop MB/s, at least
  rssScaling: 1.2, // peak RSS at 2 GB ÷ peak RSS at 0.25 GB, at most: memory must not grow with input
  documentRssBytes: 300 * MB, // peak RSS reading a 2 GB {"records":[…]} document, below
};

// The input files. At BENCH_SCALE ≠ 1 the names get a `.x<scale>` infix so a quick smoke run does not
// throw away the full-size cache.
const FILES = {
  small: { name: 'tenant-0.25gb.jsonl', format: 'jsonl', size: 0.25 * GB },
  large: { name: 'tenant-2gb.jsonl', format: 'jsonl', size: 2 * GB },
  throughput: { name: 'tenant-0.5gb.jsonl', format: 'jsonl', size: 0.5 * GB },
  document: { name: 'tenant-records-2gb.json', format: 'records', size: 2 * GB },
};
for (const [key, f] of Object.entries(FILES)) {
  if (SCALE !== 1) f.name = f.name.replace(/(\.jsonl?)$/, `.x${SCALE}$1`);
  f.key = key;
  f.path = join(DATA, f.name);
  f.targetBytes = Math.round(f.size * SCALE);
  f.seed = `${SEED}/${key}`;
}

const errors = [];
const mismatches = [];

async function main() {
  await mkdir(DATA, { recursive: true });
  checkBin();

  console.log(`appwatch ingestion benchmark: scale ${SCALE}, best of ${RUNS} run(s), node ${process.version}`);
  console.log(`appwatch command: ${command(['scan', '<file>', '--no-builtin', '--quiet', '--format', 'json']).join(' ')}`);
  await ensureData();
  globalThis.gc?.(); // generation is done; keep the parent small while the children run

  const { small, large, throughput, document } = FILES;
  const bare = {};
  const app = {};

  // Throughput: bare loop and appwatch alternate, so both see the same page-cache and machine state.
  section(`Throughput on ${throughput.name}`);
  bare.throughput = [];
  app.throughput = [];
  for (let i = 0; i < RUNS; i++) {
    bare.throughput.push(await runBare(throughput));
    app.throughput.push(await runAppwatch(throughput));
  }

  // Memory scaling and the JSON document. The bare loop reads the JSONL files once, for the count check.
  section('Memory');
  for (const f of [small, large]) {
    bare[f.key] = [await runBare(f)];
    app[f.key] = [];
    for (let i = 0; i < RUNS; i++) app[f.key].push(await runAppwatch(f));
  }
  app.document = [];
  for (let i = 0; i < RUNS; i++) app.document.push(await runAppwatch(document));

  // Every run must agree with the simulator's own count (and so with each other).
  for (const f of Object.values(FILES)) {
    for (const r of bare[f.key] ?? []) checkCount(f, 'bare loop', r.records);
    for (const r of app[f.key]) checkCount(f, 'appwatch', r.recordsRead);
    for (const r of app[f.key]) {
      if (r.skipped > 0) console.log(`  warning: appwatch skipped ${r.skipped} record(s) of ${f.name}`);
    }
  }

  const best = (runs, key) => Math.min(...runs.map((r) => r[key]));
  const mbps = (f, runs) => f.bytes / MB / (best(runs, 'wallMs') / 1000);
  const bareMBps = mbps(throughput, bare.throughput);
  const appMBps = mbps(throughput, app.throughput);
  const rssSmall = best(app.small, 'peakRssBytes');
  const rssLarge = best(app.large, 'peakRssBytes');
  const rssDoc = best(app.document, 'peakRssBytes');
  const results = {
    throughput: { file: throughput.name, bareMBps: round(bareMBps), appwatchMBps: round(appMBps), ratio: round(appMBps / bareMBps, 3), target: `>= ${TARGETS.throughputRatio}`, pass: appMBps / bareMBps >= TARGETS.throughputRatio },
    rssScaling: { small: small.name, smallPeakRssBytes: rssSmall, large: large.name, largePeakRssBytes: rssLarge, ratio: round(rssLarge / rssSmall, 3), target: `<= ${TARGETS.rssScaling}`, pass: rssLarge / rssSmall <= TARGETS.rssScaling },
    documentRss: { file: document.name, peakRssBytes: rssDoc, target: `< ${TARGETS.documentRssBytes}`, pass: rssDoc < TARGETS.documentRssBytes },
  };

  report(results, bare, app);
  results.rules = await rulesBenchmark(throughput, bareMBps);

  const out = {
    date: new Date().toISOString(), node: process.version, scale: SCALE, runs: RUNS, seed: SEED,
    appwatchBin: relative(ROOT, BIN) || BIN, units: 'MB = 1e6 bytes; times in ms (wall clock from the parent)',
    files: Object.fromEntries(Object.values(FILES).map((f) => [f.key, { name: f.name, bytes: f.bytes, records: f.records, categories: f.categories }])),
    results, countsAgree: mismatches.length === 0, mismatches,
    detail: { bare, appwatch: app },
  };
  await writeFile(join(DATA, 'last-ingest.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nfigures written to ${relative(ROOT, join(DATA, 'last-ingest.json'))}`);

  if (mismatches.length) {
    console.log(`\n!!!!! RECORD COUNT MISMATCH (${mismatches.length}): the figures above are not trustworthy !!!!!`);
    for (const m of mismatches) console.log(`!!!!! ${m}`);
    process.exitCode = 1;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Data.

/** Reuses each file when its .meta.json sidecar matches (generator version, seed, target, actual size). */
async function ensureData() {
  const missing = [];
  for (const f of Object.values(FILES)) {
    const meta = await readJson(`${f.path}.meta.json`);
    const size = (await stat(f.path).catch(() => null))?.size;
    if (meta && meta.generator === GENERATOR_VERSION && meta.seed === f.seed && meta.format === f.format
      && meta.targetBytes === f.targetBytes && meta.bytes === size) {
      Object.assign(f, { bytes: meta.bytes, records: meta.records, categories: meta.categories });
    } else {
      missing.push(f);
    }
  }
  const cached = Object.values(FILES).filter((f) => !missing.includes(f));
  if (cached.length) console.log(`reusing ${cached.map((f) => f.name).join(', ')}`);
  if (!missing.length) return;

  const need = missing.reduce((n, f) => n + f.targetBytes, 0);
  const fs = await statfs(DATA);
  if (fs.bavail * fs.bsize < need * 1.05) {
    throw new Error(`not enough disk space in ${DATA}: need ${fmtMB(need)} MB, have ${fmtMB(fs.bavail * fs.bsize)} MB`);
  }

  // One worker per file, as many at once as there are cores, largest first so the pool finishes together.
  const started = Date.now();
  console.log(`generating ${missing.map((f) => f.name).join(', ')} (${fmtMB(need)} MB) into ${relative(ROOT, DATA)}/ …`);
  const queue = [...missing].sort((a, b) => b.targetBytes - a.targetBytes);
  const pool = Array.from({ length: Math.min(availableParallelism(), queue.length) }, async () => {
    for (let f; (f = queue.shift());) {
      await rm(`${f.path}.meta.json`, { force: true });
      const t0 = Date.now();
      const r = await inWorker({ path: f.path, format: f.format, targetBytes: f.targetBytes, seed: f.seed });
      const meta = { generator: GENERATOR_VERSION, seed: f.seed, format: f.format, targetBytes: f.targetBytes, ...r };
      await writeFile(`${f.path}.meta.json`, `${JSON.stringify(meta, null, 2)}\n`);
      Object.assign(f, { bytes: r.bytes, records: r.records, categories: r.categories });
      const s = (Date.now() - t0) / 1000;
      console.log(`  ${f.name}: ${fmtMB(r.bytes)} MB, ${r.records.toLocaleString('en-US')} records in ${s.toFixed(1)} s`);
    }
  });
  await Promise.all(pool);
  console.log(`generation took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function inWorker(task) {
  return new Promise((resolvePromise, reject) => {
    const w = new Worker(new URL('./simulate-data.mjs', import.meta.url), { workerData: task });
    let result;
    w.once('message', (m) => { result = m; });
    w.once('error', reject);
    w.once('exit', (code) => (result ? resolvePromise(result) : reject(new Error(`generator for ${task.path} exited with code ${code}`))));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Child processes.

function command(args) {
  // A script runs under the same Node as the benchmark; anything else (a shell wrapper, a binary) directly.
  return /\.[cm]?js$/.test(BIN) ? [process.execPath, BIN, ...args] : [BIN, ...args];
}

function checkBin() {
  if (!existsSync(BIN)) throw new Error(`APPWATCH_BIN ${BIN} does not exist`);
  if (BIN === join(ROOT, 'bin', 'appwatch.js') && !existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
    throw new Error('appwatch is not built (dist/cli/main.js is missing): run `npm run bench`, or set APPWATCH_BIN');
  }
}

/** Runs argv to completion; wall time is measured here, around the whole process, spawn included. */
function run(argv) {
  return new Promise((resolvePromise, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(argv[0], argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [], err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
      resolvePromise({ code, signal, wallMs, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

function failed(what, r) {
  const tail = r.stderr.trim().split('\n').slice(-15).join('\n');
  return new Error(`${what} failed (${r.signal ? `signal ${r.signal}` : `exit code ${r.code}`})${tail ? `:\n${tail}` : ''}`);
}

async function runBare(f) {
  const r = await run([process.execPath, join(BENCH, 'bare-loop.mjs'), f.path]);
  if (r.code !== 0) throw failed(`bare loop on ${f.name}`, r);
  const j = JSON.parse(r.stdout);
  const res = { wallMs: round(r.wallMs), elapsedMs: j.elapsedMs, records: j.records, peakRssBytes: j.peakRssBytes };
  console.log(`  bare loop  ${f.name.padEnd(30)} ${fmtSec(r.wallMs)}  ${fmtMBps(f.bytes, r.wallMs)}  rss ${fmtMB(j.peakRssBytes)} MB  ${j.records} records`);
  return res;
}

async function runAppwatch(f) {
  const r = await run(command(['scan', f.path, '--no-builtin', '--quiet', '--format', 'json']));
  if (r.code !== 0) throw failed(`appwatch scan ${f.name}`, r);
  let doc;
  try {
    doc = JSON.parse(r.stdout);
  } catch {
    throw new Error(`appwatch scan ${f.name} did not print one JSON document; stdout starts: ${r.stdout.slice(0, 300)}`);
  }
  const s = doc?.summary;
  if (typeof s?.recordsRead !== 'number' || typeof s?.peakRssBytes !== 'number') {
    throw new Error(`appwatch scan ${f.name}: summary.recordsRead / summary.peakRssBytes missing; got ${JSON.stringify(s).slice(0, 300)}`);
  }
  const res = {
    wallMs: round(r.wallMs), elapsedMs: s.elapsedMs, recordsRead: s.recordsRead, events: s.events,
    skipped: s.skipped?.total ?? 0, peakRssBytes: s.peakRssBytes, alerts: Array.isArray(doc.alerts) ? doc.alerts.length : undefined,
  };
  console.log(`  appwatch   ${f.name.padEnd(30)} ${fmtSec(r.wallMs)}  ${fmtMBps(f.bytes, r.wallMs)}  rss ${fmtMB(s.peakRssBytes)} MB  ${s.recordsRead} records`);
  return res;
}

function checkCount(f, who, n) {
  if (n === f.records) return;
  const msg = `${f.name}: ${who} read ${n} records, the simulator wrote ${f.records}`;
  if (!mismatches.includes(msg)) {
    mismatches.push(msg);
    console.log(`!!!!! RECORD COUNT MISMATCH: ${msg}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Rules: the same file scanned with every SigmaHQ Azure rule plus the built-ins, then with ten copies of them.

const SIGMAHQ = resolve(ROOT, '..', 'shared', 'corpus', 'sigmahq');

async function rulesBenchmark(f, bareMBps) {
  section(`Rules on ${f.name}`);
  if (!existsSync(SIGMAHQ)) {
    console.log(`  skipped: ${SIGMAHQ} not found (the SigmaHQ rules live in the shared corpus; point SIGMAHQ_RULES at a clone)`);
    return { skipped: true };
  }
  const x10 = join(DATA, 'rules-x10');
  await makeRuleCopies(SIGMAHQ, x10, 10);
  const runs = { x1: [], x10: [] };
  // The bare loop runs again beside the rule runs: its time swings with the machine (tens of per cent on a
  // shared VM), and one slow baseline would flatter the ratio. The best of all its runs is the baseline.
  let bareBestMs = f.bytes / MB / bareMBps * 1000;
  for (let i = 0; i < RUNS; i++) {
    bareBestMs = Math.min(bareBestMs, (await runBare(f)).wallMs);
    runs.x1.push(await runWithRules(f, [SIGMAHQ], 'x1'));
    runs.x10.push(await runWithRules(f, [x10], 'x10'));
  }
  const best = (list) => list.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
  const one = best(runs.x1);
  const ten = best(runs.x10);
  // The engine alone (matching, no alerts built or written), so rule scaling is seen apart from output volume.
  const engine = {};
  for (const [label, dir] of [['x1', SIGMAHQ], ['x10', x10]]) {
    const r = await run([process.execPath, join(BENCH, 'engine.mjs'), f.path, dir, '20000']);
    if (r.code !== 0) throw failed(`engine benchmark (${label})`, r);
    engine[label] = JSON.parse(r.stdout.trim().split('\n').pop());
  }
  bareMBps = f.bytes / MB / (bareBestMs / 1000);
  const bareUsPerRecord = (f.bytes / MB / bareMBps) * 1e6 / f.records;
  const mbps = f.bytes / MB / (one.wallMs / 1000);
  const out = {
    rules: one.rules, rulesX10: ten.rules, alerts: one.alerts, alertsX10: ten.alerts,
    appwatchMBps: round(mbps), bareMBps: round(bareMBps), ratio: round(mbps / bareMBps, 3), target: `>= ${TARGETS.rulesRatio}`,
    pass: mbps / bareMBps >= TARGETS.rulesRatio,
    x10Cost: round(ten.wallMs / one.wallMs, 3), x10Target: `< ${TARGETS.rulesX10Cost}`, x10Pass: ten.wallMs / one.wallMs < TARGETS.rulesX10Cost,
    engine: { ...engine, bareUsPerRecord: round(bareUsPerRecord), x10MatchCost: round(engine.x10.matchUsPerEvent / engine.x1.matchUsPerEvent, 2) },
  };
  const verdict = (pass) => (pass ? 'PASS' : 'MISS');
  console.log(`  rule set (${one.rules} rules)         ${out.appwatchMBps.toFixed(1).padStart(8)} MB/s   ratio to bare ${out.ratio.toFixed(3)}   target >= ${TARGETS.rulesRatio}  ${verdict(out.pass)}   (${one.alerts} alerts)`);
  console.log(`  x10 rules (${ten.rules} rules)        time ratio ${out.x10Cost.toFixed(3)}                      target < ${TARGETS.rulesX10Cost}    ${verdict(out.x10Pass)}   (${ten.alerts} alerts)`);
  console.log(`  engine only (matching, no alerts): x1 ${engine.x1.matchUsPerEvent} µs/event, x10 ${engine.x10.matchUsPerEvent} µs/event (x${out.engine.x10MatchCost}); a bare readline + JSON.parse costs ${out.engine.bareUsPerRecord} µs/record`);
  console.log(`  alerts per record: x1 ${(one.alerts / f.records).toFixed(2)}, x10 ${(ten.alerts / f.records).toFixed(2)} — building and writing them is most of the difference from the bare loop`);
  return out;
}

/** Copies every rule `n` times with new ids and titles, so the engine cannot share work between copies. */
async function makeRuleCopies(from, to, n) {
  const marker = join(to, '.complete');
  if (existsSync(marker)) return;
  await mkdir(to, { recursive: true });
  const files = [];
  const walk = async (dir) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(dir, e.name));
      else if (/\.ya?ml$/.test(e.name)) files.push(join(dir, e.name));
    }
  };
  await walk(from);
  let k = 0;
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    for (let i = 0; i < n; i++) {
      const copy = text
        .replace(/^id: *([0-9a-f-]{36})/m, (_, id) => `id: ${id.slice(0, 24)}${(i + 1).toString(16).padStart(4, '0')}${id.slice(28)}`)
        .replace(/^title: *(.*)$/m, (_, t) => `title: ${t} (copy ${i + 1})`);
      await writeFile(join(to, `${String(k++).padStart(5, '0')}.yml`), copy);
    }
  }
  await writeFile(marker, '');
}

async function runWithRules(f, rulePaths, label) {
  const stats = join(DATA, `stats-${label}.json`);
  const args = ['scan', f.path, '--quiet', '--format', 'jsonl', '--out', '/dev/null', '--stats', stats];
  for (const p of rulePaths) args.push('--rules', p);
  const r = await run(command(args));
  if (r.code !== 0) throw failed(`appwatch scan ${f.name} with rules`, r);
  const s = JSON.parse(await readFile(stats, 'utf8'));
  checkCount(f, `appwatch (${label} rules)`, s.recordsRead);
  console.log(`  appwatch   ${f.name.padEnd(30)} ${fmtSec(r.wallMs)}  ${fmtMBps(f.bytes, r.wallMs)}  ${label.padEnd(4)} ${s.detection.rules} rules, ${s.detection.alerts} alerts`);
  return { wallMs: round(r.wallMs), rules: s.detection.rules, alerts: s.detection.alerts };
}

// ---------------------------------------------------------------------------------------------------------------
// Report.

function report(r, bare, app) {
  const verdict = (pass) => (pass ? 'PASS' : 'MISS');
  const { throughput: t, rssScaling: m, documentRss: d } = r;
  const f = FILES;
  section('Report');
  console.log(`Throughput, ${t.file} (${fmtMB(f.throughput.bytes)} MB, ${f.throughput.records.toLocaleString('en-US')} records)`);
  console.log(`  bare readline + JSON.parse    ${t.bareMBps.toFixed(1).padStart(8)} MB/s`);
  console.log(`  appwatch scan                 ${t.appwatchMBps.toFixed(1).padStart(8)} MB/s`);
  console.log(`  ratio appwatch / bare         ${t.ratio.toFixed(3).padStart(8)}       target >= ${TARGETS.throughputRatio}    ${verdict(t.pass)}`);
  console.log('Peak RSS, appwatch scan');
  console.log(`  ${m.small.padEnd(28)}  ${fmtMB(m.smallPeakRssBytes).padStart(8)} MB   (bare loop ${fmtMB(bare.small[0].peakRssBytes)} MB)`);
  console.log(`  ${m.large.padEnd(28)}  ${fmtMB(m.largePeakRssBytes).padStart(8)} MB   (bare loop ${fmtMB(bare.large[0].peakRssBytes)} MB)`);
  console.log(`  ratio 2 GB / 0.25 GB          ${m.ratio.toFixed(3).padStart(8)}       target <= ${TARGETS.rssScaling}    ${verdict(m.pass)}`);
  console.log(`  ${d.file.padEnd(28)}  ${fmtMB(d.peakRssBytes).padStart(8)} MB      target < ${fmtMB(TARGETS.documentRssBytes)} MB  ${verdict(d.pass)}`);
  const events = app.large[0].events;
  if (events) console.log(`events (${f.large.name}): ${JSON.stringify(events)}`);
  if (SCALE !== 1) console.log(`note: the targets are set for BENCH_SCALE=1; at scale ${SCALE} they are indicative only.`);
}

function section(title) {
  console.log(`\n== ${title}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers.

function envNumber(name, fallback, valid) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const x = Number(raw);
  if (!Number.isFinite(x) || !valid(x)) {
    console.error(`bench: invalid ${name}=${raw}`);
    process.exit(1);
  }
  return x;
}

async function readJson(path) {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return null;
  }
}

const round = (x, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const fmtMB = (bytes) => (bytes / MB).toFixed(1);
const fmtSec = (ms) => `${(ms / 1000).toFixed(2).padStart(7)} s`;
const fmtMBps = (bytes, ms) => `${(bytes / MB / (ms / 1000)).toFixed(1).padStart(7)} MB/s`;

// Last, so every helper above is initialised before it runs.
try {
  await main();
} catch (err) {
  console.error(`bench: error: ${err.message}`);
  process.exitCode = 1;
}

// Baseline for the ingestion benchmark: the fastest "obvious" way to read JSON Lines in Node,
// a bare readline + JSON.parse loop that does nothing with the records but count them.
// appwatch's throughput is judged against this (target: at least 0.8 of it).
//
// Usage: node bench/bare-loop.mjs FILE
// Prints one line: {"records":n,"elapsedMs":…,"peakRssBytes":…}

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

const file = process.argv[2];
if (!file) {
  console.error('usage: node bench/bare-loop.mjs FILE');
  process.exit(2);
}

const start = process.hrtime.bigint();
let records = 0;
const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
for await (const line of lines) {
  if (line.length === 0) continue; // tolerate blank lines, as any JSONL reader must
  JSON.parse(line);
  records++;
}
const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
// Same measure appwatch reports (maxRSS is in KiB), so the two are comparable.
const peakRssBytes = process.resourceUsage().maxRSS * 1024;
process.stdout.write(`${JSON.stringify({ records, elapsedMs: Math.round(elapsedMs), peakRssBytes })}\n`);

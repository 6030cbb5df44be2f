// Engine-only cost of a rule set: reads the first N records of a file into memory (through appwatch's own
// reader), then times Ruleset.match over them (best of 3 passes over fresh copies), without building or
// writing alerts. Prints one JSON line: {rules, events, matchUsPerEvent, matches}.
//
// Usage: node bench/engine.mjs FILE RULES_DIR [N]
import { loadRules } from '../dist/sigma/load.js';
import { Ruleset } from '../dist/detect/ruleset.js';
import { IngestSummary, readEvents } from '../dist/ingest/reader.js';
import { expandInputs } from '../dist/ingest/source.js';

const [file, rulesDir, n = '20000'] = process.argv.slice(2);
const limit = Number(n);

async function readSome() {
  const events = [];
  const { files } = await expandInputs([file]);
  for await (const batch of readEvents(files, {}, new IngestSummary())) {
    events.push(...batch);
    if (events.length >= limit) break;
  }
  return events.slice(0, limit);
}

const loaded = await loadRules([rulesDir]);
const ruleset = new Ruleset(loaded.documents.map((document) => ({ document, source: 'sigma' })), { placeholders: {} });
let best = Infinity;
let matches = 0;
let count = 0;
for (let pass = 0; pass < 3; pass++) {
  const events = await readSome(); // fresh objects: no per-object cache carries over between passes
  count = events.length;
  const started = performance.now();
  matches = 0;
  for (const event of events) matches += ruleset.match(event).length;
  best = Math.min(best, ((performance.now() - started) * 1000) / events.length);
}
console.log(JSON.stringify({ rules: ruleset.rules.length, events: count, matchUsPerEvent: Math.round(best * 10) / 10, matches }));

// Child of tests/store/sqlite.test.ts ("survives SIGKILL"): commits batches in a loop until killed. Batch n holds
// alerts batch-n-0 … batch-n-(K-1), checkpoint {n} and engine state {n}; it resumes after the stored checkpoint.
// Uses the built store (dist/), as `appwatch watch` would.
import { readFileSync } from 'node:fs';
import { openSqliteStore } from '../../dist/store/sqlite.js';

const [path, perBatch] = process.argv.slice(2);
const K = Number(perBatch);
const golden = JSON.parse(readFileSync(new URL('../golden/alert-credential-added.json', import.meta.url), 'utf8'));
const store = await openSqliteStore(path);
let n = (await store.getCheckpoint('crash/source'))?.n ?? 0;
process.stdout.write('ready\n');
for (;;) {
  n += 1;
  const alerts = Array.from({ length: K }, (_, i) => ({ ...golden, id: `batch-${n}-${i}`, summary: `${golden.summary} #${n}.${i}` }));
  await store.commitBatch({
    tenant: 'contoso', alerts, checkpoints: { 'crash/source': { n } }, state: { 'crash/engine': { n } },
    sinksFor: () => ['webhook'], now: new Date().toISOString(),
  });
  // Lets the parent's signal land between batches as well as inside them.
  if (n % 4 === 0) await new Promise((r) => setImmediate(r));
}

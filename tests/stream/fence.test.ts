/**
 * Stream partitions on a fleet store (PostgreSQL): the member a partition is assigned to takes it over with a new
 * fencing token at its first batch, so a member that missed the rebalance (paused, partitioned away) cannot move
 * the partition's checkpoint or engine state back with a late commit. Fed by hand through the runner's batch seam,
 * over a real PostgreSQL store and the fleet's lease table.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRuleset } from '../../src/cli/rules-loading.js';
import { parseConfig, type AppwatchConfig, type TenantConfig } from '../../src/config/config.js';
import type { Ruleset } from '../../src/detect/ruleset.js';
import { takeOverPartition } from '../../src/fleet/leases.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres.js';
import { LeaseLostError } from '../../src/store/types.js';
import type { StreamBatch } from '../../src/stream/consumer.js';
import { StreamRunner, type StreamCheckpoint } from '../../src/stream/runner.js';
import { ROOT } from '../helpers/ingest.js';
import { freshDatabase, postgresSkip } from '../helpers/postgres.js';

const TOPIC = 'insights-logs-auditlogs';
const STREAM = `contoso/stream:${TOPIC}:0`;
let config: AppwatchConfig;
let tenant: TenantConfig;
let ruleset: Ruleset;
let message: Buffer;

const log = { lines: [] as string[], info(m: string) { this.lines.push(`info ${m}`); }, warn(m: string) { this.lines.push(`warn ${m}`); }, error(m: string) { this.lines.push(`error ${m}`); } };

function member(store: PostgresStore, owner: string): StreamRunner {
  return new StreamRunner({
    store, config, ruleset, log, sinksFor: () => ['archive'], deliver: async () => undefined,
    partitionLease: (stream) => takeOverPartition(store.pool, stream, owner),
    createConsumer: () => { throw new Error('not used'); },
  });
}

/** `count` copies of the Event Hubs message at consecutive offsets from `first`. */
const batch = (first: number, count: number): StreamBatch => ({
  topic: TOPIC, partition: 0, highWatermark: String(first + count),
  messages: Array.from({ length: count }, (_, i) => ({ offset: String(first + i), value: message })),
});

beforeAll(async () => {
  config = parseConfig('tenants:\n  - id: contoso.onmicrosoft.com\n    name: contoso\n    sources: [{kafka: {brokers: ["127.0.0.1:9092"], groupId: appwatch}}]\n', 'appwatch.yaml');
  tenant = config.tenants![0]!;
  ruleset = (await loadRuleset({ rules: [], builtin: true, placeholders: [] }, config)).ruleset;
  message = await readFile(join(ROOT, 'tests/fixtures/ingest/diagnostic/eventhub-message.json'));
});

describe.skipIf(postgresSkip !== '')('stream partitions on a fleet store', () => {
  it('refuses the late commit of a member that missed a rebalance: checkpoint and state stay the new owner\'s', async () => {
    const store = await openPostgresStore(await freshDatabase('stream_fence'));
    try {
      // A's commits can be held at the door, as if its process were paused just before committing.
      let paused: Promise<void> = Promise.resolve();
      const aStore = Object.create(store) as PostgresStore;
      aStore.commitBatch = async (b) => { await paused; return store.commitBatch(b); };
      const a = member(aStore, 'worker-a');
      const b = member(store, 'worker-b');
      // A has the partition and commits offsets 0–4 under token 1.
      await a.handleBatch(tenant, 'appwatch', batch(0, 5));
      expect(await store.getCheckpoint(STREAM)).toMatchObject({ next: '5' } satisfies Partial<StreamCheckpoint>);
      // A reads offsets 5–7 and is paused before its commit.
      let resume!: () => void;
      paused = new Promise((r) => { resume = r; });
      log.lines.length = 0;
      const late = a.handleBatch(tenant, 'appwatch', batch(5, 3));
      // Meanwhile the group rebalances: B is assigned the partition, takes it over (token 2) and reads 5–9.
      await b.handleBatch(tenant, 'appwatch', batch(5, 5));
      expect(await store.getCheckpoint(STREAM)).toMatchObject({ next: '10' });
      const stateAfterB = await store.getState(`contoso/engine/stream:${TOPIC}:0`);
      // A wakes up: its commit (checkpoint back to 8, its older engine state) is refused, nothing written.
      resume();
      await expect(late).rejects.toBeInstanceOf(LeaseLostError);
      expect(log.lines.some((l) => l.startsWith(`error ${STREAM}: offsets 5–7 not committed, will be read again: lease on stream:${STREAM} lost by worker-a (fence 1 is stale)`)), log.lines.join('\n')).toBe(true);
      expect(await store.getCheckpoint(STREAM)).toMatchObject({ next: '10' });
      expect(await store.getState(`contoso/engine/stream:${TOPIC}:0`)).toEqual(stateAfterB);
      const row = await store.pool.query('SELECT lease_owner, fence, rejected_commits FROM fleet_leases WHERE tenant = $1', [`stream:${STREAM}`]);
      expect(row.rows[0]).toEqual({ lease_owner: 'worker-b', fence: '2', rejected_commits: '1' });
      // Assigned the partition again later, A takes it over with a new token and commits what is new.
      a.assigned();
      await a.handleBatch(tenant, 'appwatch', batch(10, 2));
      expect(await store.getCheckpoint(STREAM)).toMatchObject({ next: '12' });
      expect((await store.pool.query('SELECT lease_owner, fence FROM fleet_leases WHERE tenant = $1', [`stream:${STREAM}`])).rows[0]).toEqual({ lease_owner: 'worker-a', fence: '3' });
    } finally {
      await store.close();
    }
  });
});

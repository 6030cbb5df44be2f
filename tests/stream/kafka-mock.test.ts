/**
 * `appwatch watch` on a real Kafka wire protocol: librdkafka's mock cluster (3 brokers on loopback), two hubs
 * written as Azure Monitor writes them (`{"records":[…]}` bodies of a simulated tenant's diagnostic records; the
 * sign-in hub mixes the four sign-in categories), and consumers that are real `appwatch watch` processes in one
 * group, sharing one SQLite store.
 *
 * A and B share the partitions; A's commit interval is so long that it never commits an offset to the broker, so
 * when A is killed with SIGKILL in the middle of the second half, whoever takes its partitions is handed, from
 * offset 0, messages the store already holds: the crash between the store commit and the offset commit, every
 * time. C joins with --once while A's partitions move, and leaves; B is stopped politely. Then: every message is in the store, the
 * alerts are exactly those per-partition engines raise over the same messages, no id is stored twice, the sink saw
 * every id, the redelivered messages were recognised and not read twice, the broker's committed offsets reached
 * the end of every partition, unreadable input was reported with topic, partition and offset, and a batch over
 * Event Hubs' 1,046,528 bytes went through as messages under the limit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Alert } from '../../src/alerts/types.js';
import { loadRuleset } from '../../src/cli/rules-loading.js';
import { loadConfig } from '../../src/config/config.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { AlertStore } from '../../src/store/types.js';
import { MAX_REQUEST_BYTES } from '../../src/stream/connection.js';
import { DEFAULT_MAX_MESSAGE_BYTES, readMessage, splitRecordsIntoMessages } from '../../src/stream/records.js';
import type { StreamCheckpoint } from '../../src/stream/runner.js';
import { TenantEngine } from '../../src/watch/engine.js';
import { runCli } from '../helpers/cli.js';
import { diagnosticRecordsOf } from '../helpers/simulated-logs.js';
import { ROOT } from '../helpers/ingest.js';
import { kafkaMockAvailable, startKafkaMock, type KafkaMock } from '../helpers/kafka-mock.js';

type Json = Record<string, unknown>;
const AUDIT = 'insights-logs-auditlogs';
const SIGNIN = 'insights-logs-signinlogs';
const TOPICS = [AUDIT, SIGNIN];
const PARTITIONS = 4; // the mock's auto-created topics
const GROUP = 'appwatch-mock-test';
const SIGNIN_CATEGORIES = ['signinlogs', 'noninteractiveusersigninlogs', 'serviceprincipalsigninlogs', 'managedidentitysigninlogs'];

interface Planned { topic: string; partition: number; value: Buffer; offset?: string }

let work: string;
let mock: KafkaMock;
let producer: Producer;
let store: AlertStore;
const children: ChildProcess[] = [];

function startWatch(config: string, once = false): { child: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [resolve(ROOT, 'bin/appwatch.js'), 'watch', ...(once ? ['--once'] : []), '--config', config], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, stderr: () => stderr, exited };
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, detail: () => string = () => ''): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${detail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function produce(messages: Planned[]): Promise<void> {
  for (const m of messages) {
    // One message per request: each stays under Event Hubs' request limit on its own.
    const [meta] = await producer.send({ topic: m.topic, messages: [{ value: m.value, partition: m.partition }] });
    m.offset = meta!.baseOffset;
  }
}

/** The next offset the store holds for each partition (0 when none). */
async function storedNext(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const topic of TOPICS) {
    for (let p = 0; p < PARTITIONS; p++) {
      const checkpoint = (await store.getCheckpoint(`contoso/stream:${topic}:${p}`)) as StreamCheckpoint | undefined;
      out.set(`${topic}:${p}`, checkpoint ? Number(checkpoint.next) : 0);
    }
  }
  return out;
}

function countsOf(messages: Planned[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const topic of TOPICS) for (let p = 0; p < PARTITIONS; p++) out.set(`${topic}:${p}`, 0);
  for (const m of messages) out.set(`${m.topic}:${m.partition}`, out.get(`${m.topic}:${m.partition}`)! + 1);
  return out;
}

const reached = (now: Map<string, number>, target: Map<string, number>): boolean => [...target].every(([k, n]) => (now.get(k) ?? 0) >= n);

/** The partitions a consumer holds after its last join, from its log line. */
function assignmentOf(stderr: string): string[] {
  const joins = [...stderr.matchAll(/joined the group; partitions (.*)$/gm)];
  const last = joins.at(-1)?.[1] ?? '';
  return [...last.matchAll(/(insights-logs-\w+) \[([\d,]*)\]/g)].flatMap((m) => m[2]!.split(',').filter(Boolean).map((p) => `${m[1]}:${p}`));
}

async function jsonl(path: string): Promise<Alert[]> {
  try {
    return (await readFile(path, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Alert);
  } catch {
    return [];
  }
}

const available = kafkaMockAvailable();

describe.skipIf(!available)('appwatch watch on Kafka (librdkafka mock cluster)', () => {
  let sim: string;
  let phase1: Planned[];
  let phase2: Planned[][];
  let bigBatch: { records: number; bytes: number; messages: Buffer[] };
  const broken: Planned[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'appwatch-kafka-'));
    sim = join(work, 'sim');
    mock = await startKafkaMock(3);
    const start = new Date(Date.now() - 4 * 86_400_000).toISOString().slice(0, 10);
    const simulated = await runCli(['simulate', '--out', sim, '--days', '3', '--users', '25', '--apps', '5', '--seed', '21', '--start', start, '-q']);
    expect(simulated.code, simulated.stderr).toBe(0);
    producer = new Kafka({ brokers: mock.brokers, clientId: 'appwatch-test-producer', logLevel: logLevel.WARN }).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    store = await openSqliteStore(join(work, 'store.db'));

    // The audit hub: small batches. The sign-in hub: the four sign-in categories mixed, as in a hub named in the
    // diagnostic setting; its newest records form one batch over 1 MB, split as a producer must split it.
    const audits = await diagnosticRecordsOf(sim, 'auditlogs');
    const signIns = (await Promise.all(SIGNIN_CATEGORIES.map((c) => diagnosticRecordsOf(sim, c)))).flat()
      .sort((a, b) => (String(a.time) < String(b.time) ? -1 : String(a.time) > String(b.time) ? 1 : 0));
    let tail = signIns.length;
    for (let bytes = 0; bytes <= 1.1 * MAX_REQUEST_BYTES; ) bytes += Buffer.byteLength(JSON.stringify(signIns[--tail]));
    const big = signIns.slice(tail);
    bigBatch = { records: big.length, bytes: Buffer.byteLength(JSON.stringify({ records: big })), messages: splitRecordsIntoMessages(big) };
    const auditMessages = splitRecordsIntoMessages(audits, 20_000).map((value, i) => ({ topic: AUDIT, partition: i % PARTITIONS, value }));
    const signInMessages = splitRecordsIntoMessages(signIns.slice(0, tail), 30_000).map((value, i) => ({ topic: SIGNIN, partition: i % PARTITIONS, value }));
    broken.push(
      { topic: AUDIT, partition: 1, value: Buffer.from('not json {') },
      { topic: AUDIT, partition: 1, value: Buffer.from(JSON.stringify({ records: [{ time: '2026-11-01T00:00:00Z', category: 'Bogus', operationName: 'x' }] })) },
    );
    const half = (list: Planned[]): [Planned[], Planned[]] => [list.slice(0, Math.floor(list.length / 2)), list.slice(Math.floor(list.length / 2))];
    const [audit1, audit2] = half(auditMessages);
    const [signIn1, signIn2] = half(signInMessages);
    phase1 = [...audit1, ...broken, ...signIn1];
    // The second half in four rounds, the big batch last (to partition 2).
    const rest = [...audit2, ...signIn2];
    const round = Math.ceil(rest.length / 4);
    phase2 = [0, 1, 2, 3].map((r) => rest.slice(r * round, (r + 1) * round));
    phase2[3]!.push(...bigBatch.messages.map((value) => ({ topic: SIGNIN, partition: 2, value })));
  }, 60_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await producer?.disconnect();
    await store?.close();
    await mock?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('two consumers, one killed mid-way and one added: every record once, no alert twice, offsets committed after the store', async () => {
    expect(bigBatch.bytes).toBeGreaterThan(MAX_REQUEST_BYTES);
    expect(bigBatch.messages.length).toBeGreaterThanOrEqual(2);
    for (const m of bigBatch.messages) expect(m.length).toBeLessThanOrEqual(DEFAULT_MAX_MESSAGE_BYTES);

    const base = parse(await readFile(join(sim, 'appwatch.yaml'), 'utf8')) as Json;
    const configFor = async (name: string, tuning: Json): Promise<string> => {
      const path = join(work, `${name}.yaml`);
      await writeFile(path, stringify({
        ...base,
        tenants: [{ id: 'contoso.onmicrosoft.com', name: 'contoso', sources: [{ kafka: { brokers: mock.brokers, groupId: GROUP, topics: TOPICS, sessionTimeoutMs: 6000, ...tuning } }] }],
        store: join(work, 'store.db'),
        poll: { intervalSeconds: 1 },
        // One sink name (the outbox is per sink), a file per process: whichever process delivers, it is recorded.
        sinks: [{ name: 'archive', type: 'jsonl', path: join(work, `${name}.jsonl`), minSeverity: 'informational' }],
      }));
      return path;
    };
    // A never commits an offset to the broker before it dies: everything it stored comes again to the next owner.
    const configA = await configFor('a', { commitIntervalMs: 600_000 });
    const configB = await configFor('b', {});
    const configC = await configFor('c', {});

    // All along, the group's committed offsets are sampled and compared with the store's checkpoints read just after:
    // a committed offset beyond what the store holds would be a message the broker thinks done and the store lacks.
    const admin = new Kafka({ brokers: mock.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const committedOffsets = async (): Promise<Map<string, number>> => {
      const committed = await admin.fetchOffsets({ groupId: GROUP, topics: TOPICS });
      return new Map(committed.flatMap((t) => t.partitions.map((p) => [`${t.topic}:${p.partition}`, Number(p.offset)])));
    };
    const sampler = { samples: 0, violations: [] as string[], running: true, done: Promise.resolve() };
    sampler.done = (async () => {
      while (sampler.running) {
        try {
          const committed = await committedOffsets();
          const held = await storedNext();
          for (const [k, n] of committed) if (n > held.get(k)!) sampler.violations.push(`${k}: committed ${n}, stored ${held.get(k)}`);
          sampler.samples++;
        } catch {
          // The coordinator may be busy with a rebalance: sample again.
        }
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    onTestFinished(async () => {
      sampler.running = false;
      await sampler.done;
      await admin.disconnect();
    });

    // 1. A and B start together and share the first half. A commits nothing to the broker.
    await produce(phase1);
    const a = startWatch(configA);
    const b = startWatch(configB);
    const target1 = countsOf(phase1);
    await until(async () => reached(await storedNext(), target1), 30_000, 'the first half in the store', () => `A:\n${a.stderr()}\nB:\n${b.stderr()}`);
    await until(() => assignmentOf(a.stderr()).length > 0 && assignmentOf(b.stderr()).length > 0, 30_000, 'A and B to share the partitions', () => `A:\n${a.stderr()}\nB:\n${b.stderr()}`);
    const [notJson, bogus] = broken;
    const reported = (): string => a.stderr() + b.stderr();
    expect(reported()).toContain(`[!] contoso: ${AUDIT}/1 offset ${notJson!.offset}: skipped: message is not JSON: Unexpected token 'o', "not json {" is not valid JSON`);
    expect(reported()).toContain(`[!] contoso: ${AUDIT}/1 offset ${bogus!.offset} record 0: skipped: category "Bogus" is not one appwatch reads`);

    // 2. The second half arrives; A is killed once it has stored some of it.
    const before = await storedNext();
    await produce([...phase2[0]!, ...phase2[1]!]);
    await until(async () => {
      const now = await storedNext();
      return assignmentOf(a.stderr()).some((k) => now.get(k)! > before.get(k)!);
    }, 15_000, 'A to store part of the second half', () => a.stderr());
    a.child.kill('SIGKILL');
    expect(await a.exited).toBe(null);

    // 3. C joins with --once while the rest arrives, consumes until caught up, and leaves.
    const c = startWatch(configC, true);
    await produce([...phase2[2]!, ...phase2[3]!]);
    const cCode = await c.exited;
    expect(cCode, c.stderr()).toBe(0);
    expect(c.stderr()).toMatch(/\[\+\] streams: \d+ messages, \d+ events, \d+ new alerts \(0 suppressed, \d+ already stored\), \d+ re-delivered messages skipped, 0 unreadable, 0 errors/);

    // 4. B finishes everything, delivers, and is stopped politely.
    const all = [...phase1, ...phase2.flat()];
    const target = countsOf(all);
    await until(async () => reached(await storedNext(), target), 30_000, 'every message in the store', () => `B:\n${b.stderr()}\nC:\n${c.stderr()}`);
    const stored = (await store.listAlerts({})).map((s) => s.alert);
    const delivered = async (): Promise<Alert[]> => [...(await jsonl(join(work, 'a.jsonl'))), ...(await jsonl(join(work, 'b.jsonl'))), ...(await jsonl(join(work, 'c.jsonl')))];
    // Entries A had claimed for sending when it was killed wait out their claim (30 s) before another process sends them.
    await until(async () => new Set((await delivered()).map((x) => x.id)).size >= stored.length, 45_000, 'the sink to receive every alert');
    // Once the group has settled on B alone, B commits the end of every partition: a restart would re-read nothing.
    // (A commit the coordinator never answers, or that keeps failing, is given up after 3 session timeouts (18 s):
    // B joins again and commits then.)
    await until(async () => [...(await committedOffsets())].every(([k, n]) => n === target.get(k)), 60_000, 'the committed offsets to reach the end', () => `B:\n${b.stderr()}`);
    sampler.running = false;
    await sampler.done;
    b.child.kill('SIGTERM');
    expect(await b.exited, b.stderr()).toBe(0);

    // Every message read, exactly to the end of each partition (no more: nothing read twice into the engines).
    expect(await storedNext()).toEqual(target);

    // The alerts are exactly: the rules of one engine per partition over that partition's messages, in order; and
    // the correlations over every partition's inputs together (each commit evaluates them over all the tenant's
    // engines), among them chains whose steps sit in different hubs.
    const { config } = loadConfig(configB);
    const { ruleset } = await loadRuleset({ rules: [], builtin: true, placeholders: [] }, config);
    const expected = new Set<string>();
    const engines: TenantEngine[] = [];
    const alone = new Set<string>();
    for (const topic of TOPICS) {
      for (let p = 0; p < PARTITIONS; p++) {
        const engine = new TenantEngine(ruleset, config, { dns: false, shared: true });
        const events = all.filter((m) => m.topic === topic && m.partition === p).flatMap((m) => readMessage(m.value, { topic, partition: p, offset: m.offset! }).events);
        for (const alert of await engine.process(events, { correlate: false })) expected.add(alert.id);
        for (const alert of engine.shareWith([])) alone.add(alert.id);
        engines.push(engine);
      }
    }
    const across = engines[0]!.shareWith(engines.slice(1).map((e) => e.state()));
    for (const alert of across) expected.add(alert.id);
    // Some need more than one partition: a partition's engine alone would not raise them.
    const crossing = across.filter((a) => !alone.has(a.id));
    expect(crossing.length, across.map((a) => a.rule.title).join('; ')).toBeGreaterThan(0);
    console.log(`correlations across partitions: ${crossing.map((a) => a.rule.title).join('; ')}`);
    const ids = stored.map((s) => s.id);
    expect(ids.length).toBeGreaterThan(20);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...expected].sort());

    // The sink saw every id (at least once; a repeat is the same alert).
    const sent = await delivered();
    expect(new Set(sent.map((x) => x.id))).toEqual(new Set(ids));
    const byId = new Map(stored.map((s) => [s.id, JSON.stringify(s)]));
    for (const x of sent) expect(JSON.stringify(x)).toBe(byId.get(x.id));

    // What A stored but never committed to the broker came again, and was recognised as stored.
    const replayed = (text: string): number => [...text.matchAll(/: (\d+) messages? \(offsets? [\d–]+(?:, some more than once)?\) already in the store/g)].reduce((n, m) => n + Number(m[1]), 0);
    expect(replayed(b.stderr()) + replayed(c.stderr())).toBeGreaterThan(0);

    // Throughout, no offset the broker held was ahead of what the store held: offsets follow the store commit.
    expect(sampler.samples).toBeGreaterThan(10);
    expect(sampler.violations).toEqual([]);
  }, 240_000);
});

/**
 * librdkafka's mock Kafka cluster for the streaming tests: real Kafka wire protocol on loopback (produce, metadata,
 * auto-created topics with 4 partitions, consumer groups, offset commits; no SASL, no admin createTopics). It is
 * hosted by tests/helpers/kafka-mock.py under Debian's /usr/bin/python3 with python3-confluent-kafka (.ci/run
 * installs it). Without it the tests are skipped with a reason, except in CI (`CI` set), where that is an error.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./kafka-mock.py', import.meta.url));

export interface KafkaMock {
  /** `127.0.0.1:<port>,…`, one per broker. */
  bootstrap: string;
  brokers: string[];
  stop(): Promise<void>;
}

/**
 * Whether the mock can run here. Returns false (and says why on stderr) when it cannot and CI is not set; throws
 * when CI is set, so a CI machine without it fails instead of skipping silently.
 */
export function kafkaMockAvailable(): boolean {
  const probe = spawnSync(PYTHON, ['-c', 'import confluent_kafka'], { encoding: 'utf8' });
  if (probe.status === 0) return true;
  const reason = `librdkafka's mock cluster is not available: ${PYTHON} cannot import confluent_kafka (apt-get install python3-confluent-kafka)${probe.error ? ` (${probe.error.message})` : ''}`;
  if (process.env.CI) throw new Error(`${reason}; CI must run the streaming tests`);
  process.stderr.write(`skipping the Kafka mock tests: ${reason}\n`);
  return false;
}

/** Starts a mock cluster of `brokers` brokers; resolves once it has printed its bootstrap list. */
export async function startKafkaMock(brokers = 3): Promise<KafkaMock> {
  const child = spawn(PYTHON, [SCRIPT, String(brokers)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const bootstrap = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the Kafka mock did not start in 15 s: ${stderr}`)), 15_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const line = out.split('\n')[0]!;
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(line.trim());
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the Kafka mock exited (${code}): ${stderr}`));
    });
  });
  return {
    bootstrap,
    brokers: bootstrap.split(','),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

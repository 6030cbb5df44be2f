/**
 * @module config/config
 * `appwatch.yaml`: one file for every command, found in the working directory or given with `--config`.
 * Unknown keys are errors that name the key's path and line, so a typo never silently disables a setting.
 * Secrets never live here: settings that need one name the environment variable that holds it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineCounter, isMap, isScalar, parseDocument, type Node } from 'yaml';
import { INPUT_FORMATS, type InputFormatName } from '../model/event.js';
import { checkSinkList } from '../sinks/delivery/config.js';
import { checkStreamSource, isStreamSource, type StreamSource } from '../stream/config.js';

export interface AppwatchConfig {
  ingest: {
    inputFormat?: 'auto' | InputFormatName;
    timeField?: string;
    maxRecordBytes?: number;
  };
  output: {
    format?: OutputFormat;
  };
  sigma: {
    /** Values of `%name%` placeholders used with `|expand`. */
    placeholders?: Record<string, string[]>;
  };
  context: ContextConfig;
  /** Resolver for `scan --dns` (dangling redirect URIs); the system resolver when absent. */
  dns: { servers?: string[]; timeoutMs?: number };
  /** "Never seen before" detections: how many days of history are learned before anything is new. */
  baseline: { learningDays?: number };
  /** Tenant thresholds of the built-in correlations, by name (consentUsers, massSecretReads). */
  thresholds: Record<string, number>;
  /** Credential policy (guide row 2): the longest lifetime allowed per credential type, in days. */
  credentials: { maxLifetimeDays?: { password?: number; certificate?: number } };
  /** `appwatch watch`: the tenants followed and their sources. */
  tenants?: TenantConfig[];
  /** `appwatch watch`: the durable store (a SQLite file path). */
  store?: string;
  /** `appwatch watch`: how often to poll, how far back each poll looks again (Entra delivers late), where the first poll starts. */
  poll: { intervalSeconds?: number; overlapMinutes?: number; lookbackMinutes?: number; requestsPer10Seconds?: number };
  /** `appwatch watch`: where alerts go (src/sinks/delivery/config.ts). */
  sinks?: unknown[];
  /** `appwatch watch --store postgres://…`: workers sharing the tenants (leases, shared Graph limits). */
  fleet: { leaseSeconds?: number; heartbeatSeconds?: number; appRequestsPer10Seconds?: number };
}

/** A tenant `appwatch watch` follows. Secrets never live in the file: `*Env` keys name environment variables. */
export interface TenantConfig {
  id: string;
  name?: string;
  graphUrl?: string;
  auth?: { clientId?: string; certificatePath?: string; certificatePasswordEnv?: string; clientSecretEnv?: string; accessTokenEnv?: string; authorityHost?: string };
  sources: TenantSource[];
}
export type TenantSource = 'audit' | 'signins' | { diagnosticFolder: string } | StreamSource;

/** What the tenant considers normal: sets the context flags that raise or lower an alert's severity. */
export interface ContextConfig {
  businessHours?: { timeZone?: string; days?: string[]; start?: string; end?: string; holidays?: string[] };
  changeWindows?: { start: string; end: string }[];
  /** UPNs, object ids or appIds allowed to make changes. */
  approvedActors?: string[];
  /** UPNs or object ids of accounts whose every action matters. */
  highProfileAccounts?: string[];
  verifiedDomains?: string[];
  /** Per rule id (or `*`): matches to drop, by appId, actor (UPN, object id or appId) or resource. */
  allowLists?: Record<string, { appIds?: string[]; actors?: string[]; resources?: string[] }>;
}

export const OUTPUT_FORMATS = ['table', 'json', 'jsonl', 'csv', 'ocsf'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export class ConfigError extends Error {
  constructor(message: string, readonly file?: string, readonly line?: number) {
    super(`${file ?? 'configuration'}${line ? `:${line}` : ''}: ${message}`);
  }
}

type Check = (value: unknown) => string | null;
type Schema = { [key: string]: Schema | Check };

const oneOf = (values: readonly string[]): Check => (v) =>
  typeof v === 'string' && values.includes(v) ? null : `must be one of ${values.join(', ')}`;
const aString: Check = (v) => (typeof v === 'string' && v !== '' ? null : 'must be a non-empty string');
const placeholderMap: Check = (v) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'must map placeholder names to lists of values';
  for (const [name, values] of Object.entries(v)) {
    const list = Array.isArray(values) ? values : [values];
    if (list.some((x) => typeof x !== 'string' && typeof x !== 'number')) return `placeholder ${name} must be a value or a list of values`;
  }
  return null;
};
const stringList: Check = (v) => (Array.isArray(v) && v.every((x) => typeof x === 'string' && x !== '') ? null : 'must be a list of strings');
const hhmm: Check = (v) => (typeof v === 'string' && /^([01]\d|2[0-3]):[0-5]\d$/.test(v) ? null : 'must be a time of day HH:MM');
const dayList: Check = (v) => (Array.isArray(v) && v.every((d) => typeof d === 'string' && /^(mon|tue|wed|thu|fri|sat|sun)$/i.test(d)) ? null : 'must be a list of days: mon, tue, wed, thu, fri, sat, sun');
const timeZone: Check = (v) => {
  if (typeof v !== 'string') return 'must be an IANA time zone such as Europe/Paris';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: v });
    return null;
  } catch {
    return `${JSON.stringify(v)} is not an IANA time zone (e.g. Europe/Paris, America/New_York, UTC)`;
  }
};
const windowList: Check = (v) => (Array.isArray(v) && v.every((w) => w && typeof w === 'object' && !Number.isNaN(Date.parse(String((w as { start?: unknown }).start))) && !Number.isNaN(Date.parse(String((w as { end?: unknown }).end))))
  ? null : 'must be a list of {start, end} ISO times');
const allowListMap: Check = (v) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'must map rule ids (or *) to {appIds, actors, resources}';
  for (const [rule, entry] of Object.entries(v)) {
    if (typeof entry !== 'object' || entry === null) return `allow-list ${rule} must be a mapping`;
    for (const [k, list] of Object.entries(entry)) {
      if (!['appIds', 'actors', 'resources'].includes(k)) return `allow-list ${rule} has unknown key ${k} (known: appIds, actors, resources)`;
      if (stringList(list) !== null) return `allow-list ${rule}.${k} must be a list of strings`;
    }
  }
  return null;
};
const TENANT_KEYS = ['id', 'name', 'graphUrl', 'auth', 'sources'];
const AUTH_KEYS = ['clientId', 'certificatePath', 'certificatePasswordEnv', 'clientSecretEnv', 'accessTokenEnv', 'authorityHost'];
const tenantList: Check = (v) => {
  if (!Array.isArray(v)) return 'must be a list of tenants {id, name?, auth?, sources[]}';
  const ids = new Set<string>();
  for (const [i, t] of v.entries()) {
    if (typeof t !== 'object' || t === null || Array.isArray(t)) return `[${i}] must be a mapping {id, name?, auth?, sources[]}`;
    const tenant = t as Record<string, unknown>;
    for (const k of Object.keys(tenant)) if (!TENANT_KEYS.includes(k)) return `[${i}] has unknown key ${k} (known: ${TENANT_KEYS.join(', ')})`;
    if (typeof tenant.id !== 'string' || tenant.id === '') return `[${i}].id must be the tenant id or a verified domain`;
    const key = (tenant.name as string | undefined) ?? tenant.id;
    if (ids.has(key)) return `[${i}] repeats tenant ${key}`;
    ids.add(key);
    if (tenant.auth !== undefined) {
      if (typeof tenant.auth !== 'object' || tenant.auth === null) return `[${i}].auth must be a mapping (${AUTH_KEYS.join(', ')})`;
      for (const [k, value] of Object.entries(tenant.auth)) {
        if (!AUTH_KEYS.includes(k)) return `[${i}].auth has unknown key ${k} (known: ${AUTH_KEYS.join(', ')}; secrets are named by environment variable: clientSecretEnv, accessTokenEnv, certificatePasswordEnv)`;
        if (typeof value !== 'string' || value === '') return `[${i}].auth.${k} must be a non-empty string`;
      }
    }
    if (!Array.isArray(tenant.sources) || tenant.sources.length === 0) return `[${i}].sources must list audit, signins or {diagnosticFolder: PATH}`;
    for (const [j, source] of tenant.sources.entries()) {
      if (isStreamSource(source)) {
        const bad = checkStreamSource(source);
        if (bad) return `[${i}].sources[${j}].${bad}`;
        continue;
      }
      const ok = source === 'audit' || source === 'signins'
        || (typeof source === 'object' && source !== null && Object.keys(source).length === 1 && typeof (source as Record<string, unknown>).diagnosticFolder === 'string');
      if (!ok) return `[${i}].sources[${j}] must be audit, signins, {diagnosticFolder: PATH}, {eventHubs: {…}} or {kafka: {…}}`;
    }
  }
  return null;
};
const aList: Check = (v) => (Array.isArray(v) ? null : 'must be a list');
const aPositiveInteger: Check = (v) => (Number.isInteger(v) && (v as number) > 0 ? null : 'must be a positive whole number');

/** The keys appwatch knows; later capabilities add their sections here. */
const SCHEMA: Schema = {
  ingest: {
    inputFormat: oneOf(['auto', ...INPUT_FORMATS]),
    timeField: aString,
    maxRecordBytes: aPositiveInteger,
  },
  output: {
    format: oneOf(OUTPUT_FORMATS),
  },
  sigma: {
    placeholders: placeholderMap,
  },
  context: {
    businessHours: { timeZone, days: dayList, start: hhmm, end: hhmm, holidays: stringList },
    changeWindows: windowList,
    approvedActors: stringList,
    highProfileAccounts: stringList,
    verifiedDomains: stringList,
    allowLists: allowListMap,
  },
  dns: {
    servers: stringList,
    timeoutMs: aPositiveInteger,
  },
  baseline: {
    learningDays: aPositiveInteger,
  },
  thresholds: {
    consentUsers: aPositiveInteger,
    massSecretReads: aPositiveInteger,
  },
  credentials: {
    maxLifetimeDays: { password: aPositiveInteger, certificate: aPositiveInteger },
  },
  tenants: tenantList,
  store: aString,
  poll: { intervalSeconds: aPositiveInteger, overlapMinutes: aPositiveInteger, lookbackMinutes: aPositiveInteger, requestsPer10Seconds: aPositiveInteger },
  sinks: (v) => aList(v) ?? checkSinkList(v),
  fleet: { leaseSeconds: aPositiveInteger, heartbeatSeconds: aPositiveInteger, appRequestsPer10Seconds: aPositiveInteger },
};

/** The guide's usual policy when appwatch.yaml sets none: secrets 180 days, certificates a year. */
export const DEFAULT_MAX_LIFETIME_DAYS = { password: 180, certificate: 365 } as const;

export const DEFAULT_CONFIG_FILE = 'appwatch.yaml';

/** Loads `--config FILE`, else `./appwatch.yaml` when present, else the defaults. */
export function loadConfig(explicitPath?: string, cwd = process.cwd()): { config: AppwatchConfig; file?: string } {
  const path = explicitPath ? resolve(cwd, explicitPath) : resolve(cwd, DEFAULT_CONFIG_FILE);
  if (!existsSync(path)) {
    if (explicitPath) throw new ConfigError('no such file', explicitPath);
    return { config: { ingest: {}, output: {}, sigma: {}, context: {}, dns: {}, baseline: {}, thresholds: {}, credentials: {}, poll: {}, fleet: {} } };
  }
  const text = readFileSync(path, 'utf8');
  return { config: parseConfig(text, explicitPath ?? DEFAULT_CONFIG_FILE), file: path };
}

export function parseConfig(text: string, file: string): AppwatchConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!;
    throw new ConfigError(`invalid YAML: ${error.message.split('\n')[0]}`, file, lineCounter.linePos(error.pos[0]).line);
  }
  const config: AppwatchConfig = { ingest: {}, output: {}, sigma: {}, context: {}, dns: {}, baseline: {}, thresholds: {}, credentials: {}, poll: {}, fleet: {} };
  if (doc.contents === null) return config;
  validate(doc.contents as Node, SCHEMA, '', config as unknown as Record<string, unknown>, file, lineCounter);
  return config;
}

function lineOf(node: Node | null | undefined, counter: LineCounter): number | undefined {
  const start = node?.range?.[0];
  return start === undefined ? undefined : counter.linePos(start).line;
}

function validate(node: Node, schema: Schema, path: string, out: Record<string, unknown>, file: string, counter: LineCounter): void {
  if (!isMap(node)) throw new ConfigError(`${path || 'the file'} must be a mapping of keys to values`, file, lineOf(node, counter));
  for (const pair of node.items) {
    const keyNode = pair.key as Node;
    const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
    const keyPath = path ? `${path}.${key}` : key;
    const rule = schema[key];
    if (rule === undefined) {
      const known = Object.keys(schema).join(', ');
      throw new ConfigError(`unknown key ${keyPath} (known here: ${known})`, file, lineOf(keyNode, counter));
    }
    const valueNode = pair.value as Node | null;
    if (typeof rule === 'function') {
      const value = isScalar(valueNode) ? valueNode.value : valueNode?.toJSON();
      const problem = rule(value);
      // Some checks name the exact entry themselves (`sinks[2].url …`).
      if (problem) throw new ConfigError(problem.startsWith(keyPath) ? problem : `${keyPath} ${problem}`, file, lineOf(valueNode ?? keyNode, counter));
      out[key] = value;
    } else {
      const section: Record<string, unknown> = (out[key] as Record<string, unknown> | undefined) ?? {};
      out[key] = section;
      if (valueNode !== null && !(isScalar(valueNode) && valueNode.value === null)) {
        validate(valueNode, rule, keyPath, section, file, counter);
      }
    }
  }
}

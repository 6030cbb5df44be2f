/**
 * @module sinks/delivery/config
 * The `sinks:` section of appwatch.yaml: where `appwatch watch` delivers alerts. `checkSinkList` is the validator
 * the config loader calls (first problem, naming the entry and key); `parseSinks` returns the entries with their
 * defaults applied. Secrets never live in the file: a webhook names environment variables (`secretEnv`, `urlEnv`)
 * and the values are read when the sink is created.
 */
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import type { Alert } from '../../alerts/types.js';
import { SEVERITIES, severityRank, type Severity } from '../../model/severity.js';

export const SINK_TYPES = ['jsonl', 'webhook', 'syslog', 'ocsf'] as const;
export type SinkType = (typeof SINK_TYPES)[number];
export const WEBHOOK_FORMATS = ['json', 'teams', 'slack'] as const;
export const WEBHOOK_AUTH = ['bearer', 'hmac'] as const;
export const SYSLOG_PROTOCOLS = ['tcp', 'tls', 'udp'] as const;

interface SinkBase {
  /** Unique; the outbox key, so renaming a sink leaves its pending entries behind. */
  name: string;
  /** Alerts below this severity are not queued for the sink (default low). */
  minSeverity: Severity;
}

export interface FileSinkConfig extends SinkBase {
  type: 'jsonl' | 'ocsf';
  /** Absolute (relative paths are resolved against the base directory given to parseSinks). */
  path: string;
}

export interface WebhookSinkConfig extends SinkBase {
  type: 'webhook';
  /** Exactly one of url and urlEnv (Slack and Teams webhook URLs are themselves secrets). */
  url?: string;
  urlEnv?: string;
  format: (typeof WEBHOOK_FORMATS)[number];
  headers: Record<string, string>;
  /** Environment variable holding the bearer token or HMAC key. */
  secretEnv?: string;
  /** How secretEnv is used (default bearer). */
  auth: (typeof WEBHOOK_AUTH)[number];
  timeoutMs: number;
  /** PEM file of the CA that signed the receiver's certificate (a private CA); default: Node's roots. */
  caFile?: string;
}

export interface SyslogSinkConfig extends SinkBase {
  type: 'syslog';
  host: string;
  /** Default 514 (tcp, udp) or 6514 (tls, RFC 5425). */
  port: number;
  protocol: (typeof SYSLOG_PROTOCOLS)[number];
  caFile?: string;
  format: 'cef';
  /** RFC 5424 facility 0-23 (default 10, security/authorization). */
  facility: number;
  timeoutMs: number;
}

export type SinkConfig = FileSinkConfig | WebhookSinkConfig | SyslogSinkConfig;

export const DEFAULT_MIN_SEVERITY: Severity = 'low';
export const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_TIMEOUT_MS = 300_000;

const COMMON_KEYS = ['name', 'type', 'minSeverity'];
const KEYS: Record<SinkType, string[]> = {
  jsonl: [...COMMON_KEYS, 'path'],
  ocsf: [...COMMON_KEYS, 'path'],
  webhook: [...COMMON_KEYS, 'url', 'urlEnv', 'format', 'headers', 'secretEnv', 'auth', 'timeoutMs', 'caFile'],
  syslog: [...COMMON_KEYS, 'host', 'port', 'protocol', 'caFile', 'format', 'facility', 'timeoutMs'],
};

/** Headers appwatch sets itself, or that would carry a secret in the file. */
const RESERVED_HEADERS = new Set([
  'host', 'content-length', 'content-type', 'transfer-encoding', 'connection', 'idempotency-key',
  'authorization', 'x-appwatch-signature', 'x-appwatch-timestamp',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SINK_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
const inRange = (v: unknown, min: number, max: number): v is number => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** Why a webhook URL is unacceptable, or null. Shared with the sink, which checks `urlEnv` values the same way. */
export function webhookUrlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.username || url.password) return 'must not contain credentials (use secretEnv)';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return null;
  return 'must be https:// (http:// only for loopback)';
}

/** The first problem with one entry, as `key message` relative to the entry, or null. */
function checkEntry(entry: Record<string, unknown>): { key: string; problem: string } | null {
  const fail = (key: string, problem: string): { key: string; problem: string } => ({ key, problem });
  if (!nonEmpty(entry.name)) return fail('name', 'must be a non-empty string');
  if (!SINK_NAME.test(entry.name)) return fail('name', 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');
  if (!SINK_TYPES.includes(entry.type as SinkType)) return fail('type', `must be one of ${SINK_TYPES.join(', ')}`);
  const type = entry.type as SinkType;
  for (const key of Object.keys(entry)) {
    if (!KEYS[type].includes(key)) return fail(key, `is not a key of a ${type} sink (known: ${KEYS[type].join(', ')})`);
  }
  if (entry.minSeverity !== undefined && !SEVERITIES.includes(entry.minSeverity as Severity)) {
    return fail('minSeverity', `must be one of ${SEVERITIES.join(', ')}`);
  }
  if (entry.timeoutMs !== undefined && !inRange(entry.timeoutMs, 1, MAX_TIMEOUT_MS)) {
    return fail('timeoutMs', `must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`);
  }
  if (entry.caFile !== undefined && !nonEmpty(entry.caFile)) return fail('caFile', 'must be a path to a PEM file');
  switch (type) {
    case 'jsonl':
    case 'ocsf':
      return nonEmpty(entry.path) ? null : fail('path', 'must be a file path');
    case 'webhook': {
      if ((entry.url === undefined) === (entry.urlEnv === undefined)) return fail('url', 'or urlEnv must be given (exactly one)');
      if (entry.url !== undefined) {
        if (!nonEmpty(entry.url)) return fail('url', 'must be a URL');
        const problem = webhookUrlProblem(entry.url);
        if (problem) return fail('url', problem);
      }
      if (entry.urlEnv !== undefined && !(typeof entry.urlEnv === 'string' && ENV_NAME.test(entry.urlEnv))) {
        return fail('urlEnv', 'must be the name of an environment variable');
      }
      if (entry.format !== undefined && !WEBHOOK_FORMATS.includes(entry.format as never)) return fail('format', `must be one of ${WEBHOOK_FORMATS.join(', ')}`);
      if (entry.secretEnv !== undefined && !(typeof entry.secretEnv === 'string' && ENV_NAME.test(entry.secretEnv))) {
        return fail('secretEnv', 'must be the name of an environment variable (never the secret itself)');
      }
      if (entry.auth !== undefined) {
        if (!WEBHOOK_AUTH.includes(entry.auth as never)) return fail('auth', `must be one of ${WEBHOOK_AUTH.join(', ')}`);
        if (entry.secretEnv === undefined) return fail('auth', 'needs secretEnv');
      }
      if (entry.headers !== undefined) {
        if (!isMapping(entry.headers)) return fail('headers', 'must be a mapping of header names to values');
        for (const [name, value] of Object.entries(entry.headers)) {
          if (!HEADER_NAME.test(name)) return fail(`headers.${name}`, 'is not a valid header name');
          if (RESERVED_HEADERS.has(name.toLowerCase())) {
            return fail(`headers.${name}`, name.toLowerCase() === 'authorization' ? 'must not be set in the file (use secretEnv)' : 'is set by appwatch');
          }
          // CR/LF would let a value smuggle extra headers; other controls are refused by Node anyway.
          if (typeof value !== 'string' || /[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) return fail(`headers.${name}`, 'must be a string without control characters');
        }
      }
      return null;
    }
    case 'syslog': {
      if (!nonEmpty(entry.host) || /[\s/]/.test(entry.host)) return fail('host', 'must be a host name or IP address');
      if (!SYSLOG_PROTOCOLS.includes(entry.protocol as never)) return fail('protocol', `must be one of ${SYSLOG_PROTOCOLS.join(', ')}`);
      if (entry.port !== undefined && !inRange(entry.port, 1, 65535)) return fail('port', 'must be a port number 1-65535');
      if (entry.caFile !== undefined && entry.protocol !== 'tls') return fail('caFile', 'applies only to protocol tls');
      if (entry.format !== undefined && entry.format !== 'cef') return fail('format', 'must be cef');
      if (entry.facility !== undefined && !inRange(entry.facility, 0, 23)) return fail('facility', 'must be a syslog facility number 0-23');
      return null;
    }
  }
}

/** A problem in a `sinks:` list, with the YAML path to it (for a line number) and the full message. */
export interface SinkListProblem {
  /** e.g. ['sinks', 2, 'url'] or ['sinks', 1, 'headers', 'X-A']; ['sinks'] for the list itself. */
  path: (string | number)[];
  /** e.g. `sinks[2].url must be https:// (http:// only for loopback)`. */
  message: string;
}

/** The first problem in a `sinks:` list, located, or null when it is valid. */
export function findSinkProblem(value: unknown): SinkListProblem | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) return { path: ['sinks'], message: 'sinks must be a list of sinks' };
  const seen = new Map<string, number>();
  for (const [i, entry] of value.entries()) {
    if (!isMapping(entry)) return { path: ['sinks', i], message: `sinks[${i}] must be a mapping (name, type, …)` };
    const problem = checkEntry(entry);
    if (problem) {
      const [key, ...rest] = problem.key.split('.');
      return { path: ['sinks', i, key!, ...(rest.length ? [rest.join('.')] : [])], message: `sinks[${i}].${problem.key} ${problem.problem}` };
    }
    const name = entry.name as string;
    const first = seen.get(name);
    if (first !== undefined) return { path: ['sinks', i, 'name'], message: `sinks[${i}].name ${JSON.stringify(name)} is already the name of sinks[${first}]` };
    seen.set(name, i);
  }
  return null;
}

/** The first problem in a `sinks:` list (e.g. `sinks[2].url must be https://…`), or null when it is valid. */
export function checkSinkList(value: unknown): string | null {
  return findSinkProblem(value)?.message ?? null;
}

/**
 * The sinks with defaults applied; throws on the first problem (checkSinkList's message). Relative `path` and
 * `caFile` are resolved against `baseDir` (the config file's directory; default the working directory).
 */
export function parseSinks(value: unknown, baseDir = process.cwd()): SinkConfig[] {
  const problem = checkSinkList(value);
  if (problem) throw new Error(problem);
  if (!Array.isArray(value)) return [];
  const file = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  return value.map((raw: Record<string, unknown>): SinkConfig => {
    const base = { name: raw.name as string, minSeverity: (raw.minSeverity as Severity | undefined) ?? DEFAULT_MIN_SEVERITY };
    const timeoutMs = (raw.timeoutMs as number | undefined) ?? DEFAULT_TIMEOUT_MS;
    const caFile = raw.caFile === undefined ? {} : { caFile: file(raw.caFile as string) };
    switch (raw.type as SinkType) {
      case 'jsonl':
      case 'ocsf':
        return { ...base, type: raw.type as 'jsonl' | 'ocsf', path: file(raw.path as string) };
      case 'webhook':
        return {
          ...base,
          type: 'webhook',
          ...(raw.url !== undefined ? { url: raw.url as string } : { urlEnv: raw.urlEnv as string }),
          format: (raw.format as WebhookSinkConfig['format'] | undefined) ?? 'json',
          headers: { ...((raw.headers as Record<string, string> | undefined) ?? {}) },
          ...(raw.secretEnv !== undefined ? { secretEnv: raw.secretEnv as string } : {}),
          auth: (raw.auth as WebhookSinkConfig['auth'] | undefined) ?? 'bearer',
          timeoutMs,
          ...caFile,
        };
      case 'syslog': {
        const protocol = raw.protocol as SyslogSinkConfig['protocol'];
        return {
          ...base,
          type: 'syslog',
          host: raw.host as string,
          port: (raw.port as number | undefined) ?? (protocol === 'tls' ? 6514 : 514),
          protocol,
          ...caFile,
          format: 'cef',
          facility: (raw.facility as number | undefined) ?? 10,
          timeoutMs,
        };
      }
    }
  });
}

/** Whether an alert goes to a sink (its minimum severity). */
export function sinkAccepts(sink: Pick<SinkConfig, 'minSeverity'>, alert: Pick<Alert, 'severity'>): boolean {
  return severityRank(alert.severity) >= severityRank(sink.minSeverity);
}

/** The `sinksFor` of a store CommitBatch: the names of the sinks an alert is queued for. */
export function sinksFor(sinks: readonly SinkConfig[]): (alert: Alert) => string[] {
  return (alert) => sinks.filter((s) => sinkAccepts(s, alert)).map((s) => s.name);
}

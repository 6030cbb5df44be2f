/**
 * @module watch/graph-logs
 * Incremental reading of the Entra logs from Microsoft Graph: `auditLogs/directoryAudits` (v1.0) and beta
 * `auditLogs/signIns` once per sign-in event type (without a `signInEventTypes` filter Graph returns only
 * interactive sign-ins). Entra delivers late, so each poll asks again for an overlap window before the newest
 * time seen; the checkpoint keeps the ids seen in that window, so nothing is missed and nothing is read twice.
 */
import { normalizeGraphRecord } from '../ingest/formats/graph.js';
import { isRejection } from '../ingest/types.js';
import type { CanonicalEvent } from '../model/event.js';
import type { GraphClient } from '../posture/graph/client.js';

type Json = Record<string, unknown>;

export const SIGN_IN_EVENT_TYPES = ['interactiveUser', 'nonInteractiveUser', 'servicePrincipal', 'managedIdentity'] as const;
export type LogStream = 'audit' | `signins:${(typeof SIGN_IN_EVENT_TYPES)[number]}`;

export function streamsOf(source: 'audit' | 'signins'): LogStream[] {
  return source === 'audit' ? ['audit'] : SIGN_IN_EVENT_TYPES.map((t) => `signins:${t}` as const);
}

/** Where reading stopped: the newest event time seen, and the ids seen within the overlap before it. */
export interface GraphLogCheckpoint {
  newest?: string;
  /** id → event time, for events no older than `newest` minus the overlap. */
  seen: Record<string, string>;
}

export interface PollResult {
  events: CanonicalEvent[];
  /** Records Graph returned that could not be read (with why), counted, never silently dropped. */
  rejected: { id?: string; reason: string }[];
  checkpoint: GraphLogCheckpoint;
  /** Records already seen in an earlier poll (the overlap), not returned again. */
  repeated: number;
}

/** Graph's $filter takes unquoted UTC times; whole seconds, rounded down, so the window only widens. */
const filterTime = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export function logPath(stream: LogStream, fromMs: number): string {
  const from = filterTime(fromMs);
  if (stream === 'audit') return `/auditLogs/directoryAudits?$filter=activityDateTime ge ${from}&$top=1000`;
  const type = stream.slice('signins:'.length);
  return `/auditLogs/signIns?$filter=createdDateTime ge ${from} and signInEventTypes/any(t: t eq '${type}')&$top=1000`;
}

export interface PollOptions {
  overlapMs: number;
  /** Where the first poll starts when there is no checkpoint. */
  firstFromMs: number;
}

export async function pollGraphLog(client: GraphClient, stream: LogStream, checkpoint: GraphLogCheckpoint | undefined, options: PollOptions): Promise<PollResult> {
  const previous = checkpoint ?? { seen: {} };
  const newestMs = previous.newest ? Date.parse(previous.newest) : undefined;
  const fromMs = newestMs !== undefined ? newestMs - options.overlapMs : options.firstFromMs;
  // Sign-ins of every type are only in beta; audits are read from the client's own version.
  const path = encodeURI(logPath(stream, fromMs)).replace(/'/g, '%27');
  const records = await client.list(stream === 'audit' ? path : `${new URL(client.baseUrl).origin}/beta${path}`, stream);
  const events: CanonicalEvent[] = [];
  const rejected: PollResult['rejected'] = [];
  const seen: Record<string, string> = { ...previous.seen };
  // With no checkpoint and no events yet, the start stays where it was (not "now - lookback" at each poll,
  // which would move past events that arrive late).
  let newest = newestMs ?? fromMs + options.overlapMs;
  let repeated = 0;
  const timeField = stream === 'audit' ? 'activityDateTime' : 'createdDateTime';
  for (const record of records) {
    const id = typeof record.id === 'string' ? record.id : undefined;
    const time = typeof record[timeField] === 'string' ? (record[timeField] as string) : undefined;
    if (id && seen[id] !== undefined) {
      repeated++;
      continue;
    }
    const event = normalizeGraphRecord(record, { source: 'graph', format: 'graph', file: stream }, { file: stream, baseName: stream, framing: 'json-document', source: 'file' });
    if (isRejection(event)) {
      rejected.push({ ...(id ? { id } : {}), reason: event.message });
      continue;
    }
    events.push(event);
    if (id) seen[id] = event.appwatch.time;
    const ms = Date.parse(time ?? event.appwatch.time);
    if (Number.isFinite(ms) && ms > newest) newest = ms;
  }
  // Forget ids older than the overlap: Graph will not return them again.
  const horizon = newest - options.overlapMs;
  for (const [id, time] of Object.entries(seen)) if (Date.parse(time) < horizon) delete seen[id];
  events.sort((a, b) => (a.appwatch.time < b.appwatch.time ? -1 : a.appwatch.time > b.appwatch.time ? 1 : 0));
  return {
    events, rejected, repeated,
    checkpoint: { newest: new Date(newest).toISOString(), seen },
  };
}

export type { Json };

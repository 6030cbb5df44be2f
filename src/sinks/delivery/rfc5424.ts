/**
 * @module sinks/delivery/rfc5424
 * The RFC 5424 syslog envelope: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG`. MSGID is the alert id
 * (32 hex characters fit the 32-character limit), so a receiver can deduplicate a repeat without parsing the CEF
 * body; the timestamp is the alert's detection time, so a repeat is the same bytes but PROCID. No BOM before the
 * message: CEF receivers look for `CEF:` at its start (RFC 5424 allows MSG-ANY).
 */
import { hostname as osHostname } from 'node:os';
import type { Alert } from '../../alerts/types.js';

/** Syslog severities (RFC 5424 table 2) for alert severities. */
const SYSLOG_SEVERITY: Record<Alert['severity'], number> = { critical: 2, high: 3, medium: 4, low: 5, informational: 6 };

const NIL = '-';

/** PRINTUSASCII (33-126) only, at most `max` characters, else the NILVALUE. */
function headerField(value: string | undefined, max: number): string {
  if (!value) return NIL;
  const clean = value.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return clean === '' ? NIL : clean;
}

export interface EnvelopeOptions {
  facility: number;
  hostname?: string;
  procId?: string;
}

export function rfc5424(alert: Alert, message: string, options: EnvelopeOptions): string {
  const pri = options.facility * 8 + SYSLOG_SEVERITY[alert.severity];
  const ms = Date.parse(alert.detectedAt);
  const timestamp = Number.isFinite(ms) ? new Date(ms).toISOString() : NIL;
  const msgId = /^[\x21-\x7e]{1,32}$/.test(alert.id) ? alert.id : NIL;
  const host = headerField(options.hostname ?? osHostname(), 255);
  const procId = headerField(options.procId ?? String(process.pid), 128);
  return `<${pri}>1 ${timestamp} ${host} appwatch ${procId} ${msgId} ${NIL} ${message}`;
}

/** RFC 6587 §3.4.1 octet counting, for TCP and TLS: `<length in bytes> <message>`. */
export function octetCounted(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}

/**
 * @module sinks/delivery/cef
 * An alert as an ArcSight Common Event Format line:
 * `CEF:0|appwatch|appwatch|<version>|<rule id>|<rule title>|<0-10>|<extensions>`.
 * Log content is attacker-controlled (an application can be named `x|y=1\nCEF:…`), so every value is escaped per
 * the CEF rules (`\` and `|` in the header; `\`, `=`, CR and LF in extensions) after control characters (ANSI
 * escapes, NUL, bidi overrides) were turned into visible `\u…` text: the line holds no raw control character.
 */
import { isIP } from 'node:net';
import type { Alert } from '../../alerts/types.js';
import { inert, inertLine } from '../../cli/terminal.js';

const CEF_SEVERITY: Record<Alert['severity'], number> = { informational: 1, low: 3, medium: 5, high: 8, critical: 10 };

/** CEF's limit for `msg`; longer summaries are cut (the alert id leads to the whole alert). */
const MSG_LIMIT = 1023;
const VALUE_LIMIT = 4000;

export function cefHeaderEscape(value: string): string {
  return inertLine(value).replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
}

export function cefExtensionEscape(value: string): string {
  return inert(value)
    .replace(/\\/g, '\\\\')
    .replace(/=/g, '\\=')
    .replace(/\r\n|\n/g, '\\n')
    .replace(/\t/g, ' ');
}

/** Cuts to `limit` UTF-16 units without splitting a surrogate pair. */
function cut(value: string, limit: number): string {
  if (value.length <= limit) return value;
  const end = /[\ud800-\udbff]/.test(value.charAt(limit - 1)) ? limit - 1 : limit;
  return `${value.slice(0, end - 1)}…`;
}

function epochMs(iso: string): string | undefined {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? String(ms) : undefined;
}

export function cefLine(alert: Alert, version: string): string {
  const app = alert.entities.application ?? alert.entities.servicePrincipal;
  const actor = alert.entities.actor;
  const ip = actor?.ip && isIP(actor.ip) ? actor.ip : undefined;
  const evidenceIds = alert.evidence.map((e) => e.id ?? '').filter(Boolean).join(' ');
  // Key order is fixed so a repeat of the same alert is the same bytes.
  const pairs: [string, string | undefined][] = [
    ['externalId', alert.id],
    ['rt', epochMs(alert.detectedAt)],
    ['start', epochMs(alert.time)],
    ['msg', cut(alert.summary, MSG_LIMIT)],
    ['suser', actor?.userPrincipalName ?? actor?.displayName],
    ['suid', actor?.id],
    ['src', ip],
    ['cs1Label', app?.displayName ? 'application' : undefined],
    ['cs1', app?.displayName],
    ['cs2Label', app?.appId ? 'appId' : undefined],
    ['cs2', app?.appId],
    ['cs3Label', alert.entities.servicePrincipal?.id ? 'servicePrincipalId' : undefined],
    ['cs3', alert.entities.servicePrincipal?.id],
    ['cs4Label', alert.rule.tags.length ? 'tags' : undefined],
    ['cs4', alert.rule.tags.join(' ') || undefined],
    ['cs5Label', alert.context.flags.length ? 'flags' : undefined],
    ['cs5', alert.context.flags.join(' ') || undefined],
    ['cs6Label', evidenceIds ? 'evidenceIds' : undefined],
    ['cs6', evidenceIds || undefined],
  ];
  const extensions = pairs
    .filter((p): p is [string, string] => p[1] !== undefined && p[1] !== '')
    .map(([key, value]) => `${key}=${cefExtensionEscape(cut(value, VALUE_LIMIT))}`)
    .join(' ');
  const header = ['CEF:0', 'appwatch', 'appwatch', version, alert.rule.id, alert.rule.title, String(CEF_SEVERITY[alert.severity])]
    .map((v, i) => (i === 0 ? v : cefHeaderEscape(v)));
  return `${header.join('|')}|${extensions}`;
}

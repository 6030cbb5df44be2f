/**
 * Real alerts for the delivery tests: tests/golden/alert-credential-added.json with id and severity varied, and a
 * hostile one whose attacker-controlled text (the application's display name) tries every injection the wire
 * formats must defuse.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Alert } from '../../src/alerts/types.js';
import type { Severity } from '../../src/model/severity.js';

export const GOLDEN = JSON.parse(readFileSync(new URL('../golden/alert-credential-added.json', import.meta.url), 'utf8')) as Alert;

/** The n-th alert: a 32-hex id like real ones, the golden content otherwise. */
export function alertN(n: number, severity: Severity = 'high'): Alert {
  const alert = structuredClone(GOLDEN);
  alert.id = createHash('sha256').update(`alert ${n}`).digest('hex').slice(0, 32);
  alert.severity = alert.rule.level = severity;
  return alert;
}

/** CEF delimiters, a fake second CEF record, an ANSI escape, and chat mentions, links and formatting. */
export const HOSTILE_NAME = 'Evil|App=1\\x\nCEF:0|fake|\u001b[31m <!channel> <http://evil|click> *bold* _it_ ~s~ `code` @here **md** [x](http://evil) <b>html</b> &amp;';

export function hostileAlert(): Alert {
  const alert = alertN(999, 'critical');
  alert.rule.title = 'Title|with\\pipe';
  alert.entities.application = { displayName: HOSTILE_NAME, appId: '8e7fe5eb-b7de-4337-8701-00c8d8969ca0' };
  alert.summary = `Credential added on '${HOSTILE_NAME}'`;
  return alert;
}

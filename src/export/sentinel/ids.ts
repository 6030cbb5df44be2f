/**
 * @module export/sentinel/ids
 * Stable analytics-rule ids: a name-based UUID (version 5, RFC 9562) of the Sigma rule's id, so every export
 * of a rule gives the same GUID (the Azure-Sentinel CI refuses a changed id, and Sentinel Repositories update
 * a rule in place only when its id stays).
 */
import { createHash } from 'node:crypto';

/** appwatch's UUID namespace for analytics rules (fixed forever: changing it changes every rule id). */
export const RULE_ID_NAMESPACE = '6f3c2a1e-9b7d-4e58-a0c4-3d2e1f0a9b8c';

function bytesOf(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

export function uuidv5(name: string, namespace = RULE_ID_NAMESPACE): string {
  const hash = createHash('sha1').update(bytesOf(namespace)).update(Buffer.from(name, 'utf8')).digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The analytics rule id of a Sigma rule (its id; a rule without one by its name or title). */
export function sentinelRuleId(sigmaRuleId: string): string {
  return uuidv5(`sigma:${sigmaRuleId.toLowerCase()}`);
}

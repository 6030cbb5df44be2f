/**
 * @module enrich/credentials
 * What a credential change did, from the KeyDescription property's old and new lists of
 * `[KeyIdentifier=…,KeyType=…,KeyUsage=…,DisplayName=…]`: the credentials added and removed, and whether the
 * app had none before (its first credential).
 */
import type { CanonicalEvent } from '../model/event.js';
import { property } from './audit-properties.js';

export interface CredentialInfo {
  keyId?: string;
  type: 'password' | 'certificate' | 'other';
  rawType?: string;
  usage?: string;
  displayName?: string;
}

export interface CredentialChange {
  added: CredentialInfo[];
  removed: CredentialInfo[];
  addedCount: number;
  first: boolean;
}

function entries(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string' && value.trim() !== '') return [value];
  return [];
}

function parseEntry(text: string): CredentialInfo {
  const fields = new Map<string, string>();
  for (const m of text.replace(/^\[|\]$/g, '').matchAll(/(\w+)=([^,\]]*)/g)) fields.set(m[1]!.toLowerCase(), m[2]!.trim());
  const rawType = fields.get('keytype');
  // AsymmetricX509Cert before Password/Symmetric: "Asymmetric" contains "symmetric".
  const type = /cert|asymmetric|x509/i.test(rawType ?? '') ? 'certificate' : /password|symmetric/i.test(rawType ?? '') ? 'password' : 'other';
  const info: CredentialInfo = { type };
  const keyId = fields.get('keyidentifier');
  if (keyId) info.keyId = keyId;
  if (rawType) info.rawType = rawType;
  const usage = fields.get('keyusage');
  if (usage) info.usage = usage;
  const displayName = fields.get('displayname');
  if (displayName) info.displayName = displayName;
  return info;
}

export function credentialChange(event: CanonicalEvent): CredentialChange | undefined {
  const prop = property(event, 'KeyDescription');
  if (!prop) return undefined;
  const before = entries(prop.oldValue).map(parseEntry);
  const after = entries(prop.newValue).map(parseEntry);
  const key = (c: CredentialInfo): string => c.keyId ?? JSON.stringify(c);
  const beforeKeys = new Set(before.map(key));
  const afterKeys = new Set(after.map(key));
  const added = after.filter((c) => !beforeKeys.has(key(c)));
  const removed = before.filter((c) => !afterKeys.has(key(c)));
  return { added, removed, addedCount: added.length, first: before.length === 0 && added.length > 0 };
}

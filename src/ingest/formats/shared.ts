/**
 * @module ingest/formats/shared
 * Building blocks every format uses to produce canonical events: Graph-name mapping for directory audits and
 * sign-ins, sign-in type resolution, Key Vault caller claims, enum normalisation. Format-specific knowledge
 * stays in each format's own file; this is only what they share.
 */
import {
  RESERVED_KEY,
  type AppwatchMeta,
  type CanonicalEvent,
  type EventKind,
  type KeyVaultCaller,
  type Origin,
  type SignInType,
} from '../../model/event.js';
import { DIRECTORY_AUDIT_PROPERTIES, SIGN_IN_PROPERTIES } from '../../model/graph-properties.js';
import { toIsoUtc } from '../../model/time.js';
import type { NormalizeResult, Rejection } from '../types.js';

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function reject(reason: Rejection['reject'], message: string): Rejection {
  return { reject: reason, message };
}

function byLowerCase(names: ReadonlySet<string>): Map<string, string> {
  return new Map([...names].map((n) => [n.toLowerCase(), n]));
}

const AUDIT_BY_LOWER = byLowerCase(DIRECTORY_AUDIT_PROPERTIES);
// Graph's v1.0 directoryAudit documentation example spells it in the singular.
AUDIT_BY_LOWER.set('targetresource', 'targetResources');
const SIGNIN_BY_LOWER = byLowerCase(SIGN_IN_PROPERTIES);
const TARGET_BY_LOWER = byLowerCase(new Set(['id', 'displayName', 'type', 'userPrincipalName', 'groupType', 'modifiedProperties']));
const MODIFIED_BY_LOWER = byLowerCase(new Set(['displayName', 'oldValue', 'newValue']));

/** Sets `value` at a dotted path, creating objects on the way. */
export function setPath(target: Json, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts[i]!;
    let next = node[key];
    if (!isObject(next)) {
      next = {};
      node[key] = next;
    }
    node = next as Json;
  }
  node[parts[parts.length - 1]!] = value;
}

export function getPath(source: Json, path: string): unknown {
  let node: unknown = source;
  for (const part of path.split('.')) {
    if (!isObject(node)) return undefined;
    node = node[part];
  }
  return node;
}

/** Log Analytics and CSV give structured columns as JSON text; parses text that is a JSON object or array. */
export function parseDynamic(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const first = value.charCodeAt(0);
  if (first !== 0x7b && first !== 0x5b) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Numbers that arrive as strings (`"0"`, `"12"`) become numbers; anything else is left as it is. */
export function toNumber(value: unknown): unknown {
  if (typeof value === 'string' && value.trim() !== '' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return value;
}

export function toBoolean(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === 'yes') return true;
  if (v === 'false' || v === 'no') return false;
  return value;
}

/**
 * Maps a display string onto the Graph enum member it spells (`Device code` → `deviceCode`,
 * `Primary Refresh Token` → `primaryRefreshToken`); unknown values are kept as written.
 */
export function toEnumMember(value: unknown, members: readonly string[]): unknown {
  if (typeof value !== 'string') return value;
  const squashed = value.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
  for (const member of members) if (member.toLowerCase() === squashed) return member;
  return value;
}

/**
 * A case-insensitive name table with a cache of the exact keys seen: logs repeat the same few hundred keys, so
 * lower-casing every key of every record is wasted work. The cache is bounded (keys are attacker-controlled).
 */
export class NameTable {
  private readonly exact = new Map<string, string | null>();
  constructor(private readonly byLower: ReadonlyMap<string, string>) {}

  get(key: string): string | undefined {
    let name = this.exact.get(key);
    if (name === undefined) {
      name = this.byLower.get(key.toLowerCase()) ?? null;
      if (this.exact.size > 4096) this.exact.clear();
      this.exact.set(key, name);
    }
    return name ?? undefined;
  }
}

const AUDIT_NAMES = new NameTable(AUDIT_BY_LOWER);
const SIGNIN_NAMES = new NameTable(SIGNIN_BY_LOWER);

/** Puts a field either at its Graph name (case-insensitive match) or, with no counterpart, into `extra`. */
function placeGraphField(key: string, value: unknown, names: NameTable, fields: Json, extra: Json): void {
  const graphName = names.get(key);
  if (graphName !== undefined && !(graphName in fields)) fields[graphName] = value;
  else extra[key] = value;
}

function normalizeKeys(source: unknown, byLower: Map<string, string>): unknown {
  if (!isObject(source)) return source;
  let canonical = true;
  for (const key in source) {
    const name = byLower.get(key.toLowerCase());
    if (name !== undefined && name !== key) {
      canonical = false;
      break;
    }
  }
  if (canonical) return source; // the common case: nothing to rename, nothing to copy
  const out: Json = {};
  for (const key of Object.keys(source)) out[byLower.get(key.toLowerCase()) ?? key] = source[key];
  return out;
}

/** Whether every key of an object is already an exact Graph name (then it can be used as it is). */
function allGraphNames(source: Json, names: ReadonlySet<string>): boolean {
  for (const key in source) if (!names.has(key) || key === RESERVED_KEY) return false;
  return true;
}

/**
 * The Graph fields of a record whose keys are Graph names in any case. When they already are exact Graph
 * names (Graph itself, diagnostic `properties`) the parsed object is used as it is: no copy per record.
 */
export function graphFieldsOf(kind: 'audit' | 'signin', source: Json): { fields: Json; extra: Json } {
  const extra: Json = {};
  if (allGraphNames(source, kind === 'audit' ? DIRECTORY_AUDIT_PROPERTIES : SIGN_IN_PROPERTIES)) {
    if (kind === 'audit') toDirectoryAuditFields(source, source, extra, true);
    else toSignInFields(source, source, extra, true);
    return { fields: source, extra };
  }
  const fields: Json = {};
  if (kind === 'audit') toDirectoryAuditFields(source, fields, extra);
  else toSignInFields(source, fields, extra);
  return { fields, extra };
}

/** Graph directoryAudit fields from an object whose keys are Graph names in any case. */
export function toDirectoryAuditFields(source: Json, fields: Json, extra: Json, inPlace = false): void {
  if (!inPlace) for (const key of Object.keys(source)) placeGraphField(key, source[key], AUDIT_NAMES, fields, extra);
  const targets = fields.targetResources;
  if (Array.isArray(targets)) {
    fields.targetResources = targets.map((target) => {
      const t = normalizeKeys(target, TARGET_BY_LOWER);
      if (isObject(t) && Array.isArray(t.modifiedProperties)) {
        t.modifiedProperties = t.modifiedProperties.map((p) => normalizeKeys(p, MODIFIED_BY_LOWER));
      }
      return t;
    });
  }
  // Very old exports give the result as a number.
  if (fields.result === 0 || fields.result === '0') fields.result = 'success';
  else if (fields.result === 1 || fields.result === '1') fields.result = 'failure';
}

/** Graph signIn fields from an object whose keys are Graph names in any case. */
export function toSignInFields(source: Json, fields: Json, extra: Json, inPlace = false): void {
  if (!inPlace) for (const key of Object.keys(source)) placeGraphField(key, source[key], SIGNIN_NAMES, fields, extra);
  const status = fields.status;
  if (isObject(status) && typeof status.errorCode === 'string') status.errorCode = toNumber(status.errorCode);
}

export const SIGNIN_TYPE_BY_CATEGORY: Readonly<Record<string, SignInType>> = {
  signinlogs: 'interactiveUser',
  noninteractiveusersigninlogs: 'nonInteractiveUser',
  serviceprincipalsigninlogs: 'servicePrincipal',
  managedidentitysigninlogs: 'managedIdentity',
};

export const SIGNIN_TYPE_BY_TABLE: Readonly<Record<string, SignInType>> = {
  signinlogs: 'interactiveUser',
  aadnoninteractiveusersigninlogs: 'nonInteractiveUser',
  aadserviceprincipalsigninlogs: 'servicePrincipal',
  aadmanagedidentitysigninlogs: 'managedIdentity',
};

/** The admin center's download names: `InteractiveSignIns_<from>_<to>.csv` and friends. */
export function signInTypeFromFileName(baseName: string): SignInType | undefined {
  const name = baseName.toLowerCase();
  if (name.startsWith('noninteractivesignins')) return 'nonInteractiveUser';
  if (name.startsWith('interactivesignins')) return 'interactiveUser';
  if (name.startsWith('applicationsignins') || name.includes('serviceprincipalsignin')) return 'servicePrincipal';
  if (name.startsWith('msisignins') || name.includes('managedidentitysignin')) return 'managedIdentity';
  if (name.includes('noninteractiveusersignin')) return 'nonInteractiveUser';
  return undefined;
}

export interface SignInTypeDecision {
  type: SignInType;
  /** Why, when the type was inferred rather than stated by the record or its table. */
  guessed?: string;
}

/**
 * Decides the sign-in type of a record that does not state `signInEventTypes`: from the file name, then from
 * the fields that tell the types apart (managed identity details; service principal without a user;
 * `isInteractive`).
 */
export function inferSignInType(fields: Json, baseName: string, appOnly: boolean): SignInTypeDecision {
  const fromName = signInTypeFromFileName(baseName);
  if (fromName) return { type: fromName, guessed: `sign-in type ${fromName} from the file name` };
  const msi = fields.managedServiceIdentity;
  const msiType = isObject(msi) ? String(msi.msiType ?? '') : '';
  if (msiType !== '' && msiType.toLowerCase() !== 'none') {
    return { type: 'managedIdentity', guessed: 'sign-in type managedIdentity from managedServiceIdentity' };
  }
  if (appOnly || (fields.servicePrincipalId && !fields.userId && !fields.userPrincipalName)) {
    return { type: 'servicePrincipal', guessed: 'sign-in type servicePrincipal: a service principal and no user' };
  }
  if (fields.isInteractive === false || fields.isInteractive === 'false') {
    return { type: 'nonInteractiveUser', guessed: 'sign-in type nonInteractiveUser from isInteractive' };
  }
  if (fields.isInteractive === true || fields.isInteractive === 'true') {
    return { type: 'interactiveUser', guessed: 'sign-in type interactiveUser from isInteractive' };
  }
  return { type: 'interactiveUser', guessed: 'sign-in type interactiveUser by default (nothing in the record says)' };
}

const CLAIM_OID = ['oid', 'http://schemas.microsoft.com/identity/claims/objectidentifier'];
const CLAIM_UPN = ['upn', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn', 'unique_name', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name'];
const CLAIM_APPID = ['appid', 'azp', 'http://schemas.microsoft.com/identity/claims/appid'];
const CLAIM_IDTYP = ['idtyp'];

function firstClaim(claims: Json, names: readonly string[]): string | undefined {
  for (const name of names) {
    const v = claims[name];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

/** The caller of a Key Vault or Activity operation, from either identity-claim style (short or URI names). */
export function callerFromClaims(claims: unknown): KeyVaultCaller | undefined {
  if (!isObject(claims)) return undefined;
  const caller: KeyVaultCaller = {};
  const objectId = firstClaim(claims, CLAIM_OID);
  const upn = firstClaim(claims, CLAIM_UPN);
  const appId = firstClaim(claims, CLAIM_APPID);
  const type = firstClaim(claims, CLAIM_IDTYP);
  if (objectId) caller.objectId = objectId;
  if (upn) caller.upn = upn;
  if (appId) caller.appId = appId;
  if (type) caller.type = type;
  return Object.keys(caller).length > 0 ? caller : undefined;
}

/** Assembles a canonical event: Microsoft fields first, `appwatch` last. */
export function buildEvent(
  fields: Json,
  kind: EventKind,
  timeValue: unknown,
  origin: Origin,
  extra: Json,
  more?: Partial<AppwatchMeta>,
): NormalizeResult {
  const time = toIsoUtc(timeValue);
  if (time === undefined) {
    return reject('no-time', timeValue === undefined || timeValue === null || timeValue === ''
      ? `${kind} record has no time`
      : `${kind} record has an unreadable time ${JSON.stringify(String(timeValue).slice(0, 40))}`);
  }
  if (RESERVED_KEY in fields) {
    extra[RESERVED_KEY] = fields[RESERVED_KEY];
    delete fields[RESERVED_KEY];
  }
  const meta: AppwatchMeta = { kind, time, origin };
  if (Object.keys(extra).length > 0) meta.extra = extra;
  if (more) Object.assign(meta, more);
  (fields as CanonicalEvent).appwatch = meta;
  return fields as CanonicalEvent;
}

/** Graph names of `signInEventTypes`, checked so a stray value does not become a type. */
export function statedSignInTypes(value: unknown): SignInType[] | undefined {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? parseDynamic(value) : undefined;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const types = list.filter((t): t is SignInType =>
    t === 'interactiveUser' || t === 'nonInteractiveUser' || t === 'servicePrincipal' || t === 'managedIdentity');
  return types.length > 0 ? types : undefined;
}

/**
 * @module model/field-resolver
 * Finds a field of a canonical event by any of the three names Sigma rules for Azure use: Log Analytics
 * columns (`OperationName`, `TargetResources`, `ResultType`), diagnostic-export names (`operationName`,
 * `properties.targetResources`, `resultType`) and Graph names — case-insensitively, through arrays (a path
 * into an array matches every element), into JSON text where a path continues past a string, and into
 * `appwatch.extra` for fields with no Graph counterpart.
 *
 * The aliases are data (below), per event kind; the walk is the same for every kind.
 */
import type { CanonicalEvent, EventKind } from './event.js';

type Json = Record<string, unknown>;

/**
 * Names that are not the canonical path in another case: Log Analytics and diagnostic-record names → canonical
 * path. Keys are lower case. Paths under `properties.` of Entra events are handled generically (the
 * diagnostic export keeps the Graph object there; the canonical event has it at the top).
 */
const ALIASES: Readonly<Record<EventKind, Readonly<Record<string, string>>>> = {
  audit: {
    operationname: 'activityDisplayName',
    aadoperationtype: 'operationType',
    time: 'activityDateTime',
    timegenerated: 'appwatch.time',
    calleripaddress: 'initiatedBy.user.ipAddress',
    resultdescription: 'resultReason',
  },
  signin: {
    resulttype: 'status.errorCode',
    resultdescription: 'status.failureReason',
    calleripaddress: 'ipAddress',
    locationdetails: 'location',
    conditionalaccesspolicies: 'appliedConditionalAccessPolicies',
    resourceidentity: 'resourceId',
    processingtimeinms: 'processingTimeInMilliseconds',
    time: 'createdDateTime',
    timegenerated: 'appwatch.time',
  },
  keyvault: {
    timegenerated: 'time',
    _resourceid: 'resourceId',
    requesturi: 'properties.requestUri',
    requesturi_s: 'properties.requestUri',
    id_s: 'properties.id',
    clientinfo: 'properties.clientInfo',
    clientinfo_s: 'properties.clientInfo',
    httpstatuscode: 'properties.httpStatusCode',
    httpstatuscode_d: 'properties.httpStatusCode',
    isaccesspolicymatch: 'properties.isAccessPolicyMatch',
    isrbacauthorized: 'properties.isRbacAuthorized',
    identity_claim_appid_g: 'identity.claim.appid',
    identity_claim_oid_g: 'identity.claim.oid',
    identity_claim_upn_s: 'identity.claim.upn',
    identity_claim_idtyp_s: 'identity.claim.idtyp',
  },
  activity: {
    timegenerated: 'time',
    _resourceid: 'resourceId',
    operationnamevalue: 'operationName',
    categoryvalue: 'category',
    activitystatusvalue: 'resultType',
    activitysubstatusvalue: 'resultSignature',
    authorization_d: 'identity.authorization',
    authorization: 'identity.authorization',
    claims_d: 'identity.claims',
    claims: 'identity.claims',
    properties_d: 'properties',
    caller: 'appwatch.caller.upn',
  },
  event: {},
};

const ENTRA_KINDS: ReadonlySet<EventKind> = new Set(['audit', 'signin']);

/** Canonical path candidates for a field name, most specific first. */
export function candidatePaths(kind: EventKind, name: string): string[] {
  const lower = name.toLowerCase();
  const paths: string[] = [];
  const alias = ALIASES[kind][lower];
  if (alias) paths.push(alias);
  if (ENTRA_KINDS.has(kind) && lower.startsWith('properties.')) {
    const rest = name.slice('properties.'.length);
    const restAlias = ALIASES[kind][rest.toLowerCase()];
    paths.push(restAlias ?? rest);
  }
  paths.push(name);
  paths.push(`appwatch.extra.${name}`);
  return paths;
}

const cache = new Map<string, string[][]>();

function compiled(kind: EventKind, name: string): string[][] {
  const key = `${kind}\u0000${name}`;
  let paths = cache.get(key);
  if (!paths) {
    paths = candidatePaths(kind, name).map((p) => p.split('.'));
    if (cache.size > 10_000) cache.clear();
    cache.set(key, paths);
  }
  return paths;
}

/**
 * All values of a field in an event (arrays flattened: one value per matching element). Empty when the
 * field is absent. The first candidate path that exists wins.
 */
export function resolveField(event: CanonicalEvent | Json, name: string): unknown[] {
  const kind = ((event as CanonicalEvent).appwatch?.kind ?? 'event') as EventKind;
  for (const parts of compiled(kind, name)) {
    const out: unknown[] = [];
    const found = walk(event, parts, 0, out);
    if (found) return out;
  }
  return [];
}

/** Whether the field exists at all (null counts as present, as in the source record). */
export function hasField(event: CanonicalEvent | Json, name: string): boolean {
  const kind = ((event as CanonicalEvent).appwatch?.kind ?? 'event') as EventKind;
  return compiled(kind, name).some((parts) => walk(event, parts, 0, []));
}

function lookup(node: Json, key: string): { present: boolean; value: unknown } {
  if (Object.prototype.hasOwnProperty.call(node, key)) return { present: true, value: node[key] };
  const lower = key.toLowerCase();
  for (const k of Object.keys(node)) if (k.toLowerCase() === lower) return { present: true, value: node[k] };
  return { present: false, value: undefined };
}

function walk(node: unknown, parts: string[], i: number, out: unknown[]): boolean {
  if (i === parts.length) {
    if (Array.isArray(node)) out.push(...node);
    else out.push(node);
    return true;
  }
  if (Array.isArray(node)) {
    let any = false;
    for (const element of node) any = walk(element, parts, i, out) || any;
    return any;
  }
  if (typeof node === 'string' && (node.startsWith('{') || node.startsWith('['))) {
    try {
      return walk(JSON.parse(node), parts, i, out);
    } catch {
      return false;
    }
  }
  if (typeof node !== 'object' || node === null) return false;
  // Keys may themselves contain dots (claim URIs): try the longest key first.
  for (let j = parts.length; j > i; j--) {
    const key = j === i + 1 ? parts[i]! : parts.slice(i, j).join('.');
    const { present, value } = lookup(node as Json, key);
    if (present) return walk(value, parts, j, out);
  }
  return false;
}

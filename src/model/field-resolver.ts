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
import { DIRECTORY_AUDIT_PROPERTIES, SIGN_IN_PROPERTIES } from './graph-properties.js';

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

/**
 * Top-level names the canonical event always writes in one exact casing (Graph names for Entra events, the
 * diagnostic envelope for Key Vault and Activity). A path starting with one of them is rewritten to that
 * casing and looked up exactly: an absent field is then known absent without scanning the event's keys.
 */
const CANONICAL_TOP: Readonly<Record<EventKind, ReadonlyMap<string, string>>> = (() => {
  const table = (names: Iterable<string>): Map<string, string> => new Map([...names].map((n) => [n.toLowerCase(), n]));
  const envelope = ['time', 'resourceId', 'operationName', 'operationVersion', 'category', 'resultType', 'resultSignature',
    'resultDescription', 'durationMs', 'callerIpAddress', 'correlationId', 'identity', 'level', 'location', 'properties'];
  return {
    audit: table(DIRECTORY_AUDIT_PROPERTIES),
    signin: table(SIGN_IN_PROPERTIES),
    keyvault: table(envelope),
    activity: table(envelope),
    event: new Map(),
  };
})();

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

/** A path compiled once: its segments, and their lower-case forms for case-insensitive lookup. */
interface CompiledPath {
  parts: string[];
  lower: string[];
  /** The first segment is a canonical top-level name: look it up exactly. */
  exactTop: boolean;
}

const cache = new Map<string, CompiledPath[]>();

function compiled(kind: EventKind, name: string): CompiledPath[] {
  const key = `${kind}\u0000${name}`;
  let paths = cache.get(key);
  if (!paths) {
    const top = CANONICAL_TOP[kind];
    paths = [];
    for (const p of candidatePaths(kind, name)) {
      const parts = p.split('.');
      const canonical = top.get(parts[0]!.toLowerCase());
      // Entra events hold nothing at the top level but Graph names (and appwatch): another name can only be
      // in appwatch.extra, so do not search the event for it.
      if (canonical === undefined && ENTRA_KINDS.has(kind) && parts[0] !== 'appwatch') continue;
      if (canonical !== undefined) parts[0] = canonical;
      paths.push({ parts, lower: parts.map((x) => x.toLowerCase()), exactTop: canonical !== undefined });
      // A canonical name is never in appwatch.extra under another casing: the later candidates add nothing.
      if (canonical !== undefined && p === name) break;
    }
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
  return resolvePaths(event, compiled(((event as CanonicalEvent).appwatch?.kind ?? 'event') as EventKind, name));
}

/**
 * A compiled accessor for one field name: resolves like `resolveField`, with the per-kind path lists
 * looked up once per kind instead of once per call (rules ask the same fields of every event).
 */
export function fieldAccessor(name: string): (event: CanonicalEvent | Json) => readonly unknown[] {
  let accessor = accessors.get(name);
  if (accessor) return accessor;
  const byKind = new Map<EventKind, CompiledPath[]>();
  let lastEvent: object | undefined;
  let lastEpoch = -1;
  let lastValues: unknown[] = [];
  accessor = (event) => {
    // Many rules ask the same field of the same event (ten copies of a rule set ask it ten times): one walk
    // per event and epoch. The epoch moves whenever an event may have changed (fieldEpoch), so a value is never
    // stale; callers must not modify the array they get.
    if (event === lastEvent && lastEpoch === epoch) return lastValues;
    const kind = ((event as CanonicalEvent).appwatch?.kind ?? 'event') as EventKind;
    let paths = byKind.get(kind);
    if (!paths) byKind.set(kind, (paths = compiled(kind, name)));
    lastValues = resolvePaths(event, paths);
    lastEvent = event;
    lastEpoch = epoch;
    return lastValues;
  };
  if (accessors.size > 10_000) accessors.clear();
  accessors.set(name, accessor);
  return accessor;
}

/** Shared accessors, by field name. */
const accessors = new Map<string, (event: CanonicalEvent | Json) => readonly unknown[]>();
let epoch = 0;

/** Starts a new epoch: values read before may be stale (an event is about to be matched, or was changed). */
export function fieldEpoch(): void {
  epoch++;
}

function resolvePaths(event: CanonicalEvent | Json, paths: CompiledPath[]): unknown[] {
  for (const path of paths) {
    const out: unknown[] = [];
    if (walk(event, path, 0, out)) return out;
  }
  return [];
}


/** Whether the field exists at all (null counts as present, as in the source record). */
export function hasField(event: CanonicalEvent | Json, name: string): boolean {
  const kind = ((event as CanonicalEvent).appwatch?.kind ?? 'event') as EventKind;
  return compiled(kind, name).some((path) => walk(event, path, 0, []));
}

/**
 * A key by its lower-case name. Objects are small (a Graph object, a claim map, appwatch.extra) and most
 * asked-for names are absent, so a scan that compares lengths first beats building an index per event.
 */
function lookup(node: Json, key: string, lowerKey: string): { present: boolean; value: unknown } {
  if (Object.prototype.hasOwnProperty.call(node, key)) return { present: true, value: node[key] };
  const length = key.length;
  for (const k in node) {
    if (k.length === length && k.toLowerCase() === lowerKey) return { present: true, value: node[k] };
  }
  return { present: false, value: undefined };
}

function walk(node: unknown, path: CompiledPath, i: number, out: unknown[]): boolean {
  const { parts, lower } = path;
  if (i === parts.length) {
    if (Array.isArray(node)) out.push(...node);
    else out.push(node);
    return true;
  }
  if (Array.isArray(node)) {
    let any = false;
    for (const element of node) any = walk(element, path, i, out) || any;
    return any;
  }
  if (typeof node === 'string' && (node.startsWith('{') || node.startsWith('['))) {
    try {
      return walk(JSON.parse(node), path, i, out);
    } catch {
      return false;
    }
  }
  if (typeof node !== 'object' || node === null) return false;
  const object = node as Json;
  if (i === 0 && path.exactTop) {
    return Object.prototype.hasOwnProperty.call(object, parts[0]!) ? walk(object[parts[0]!], path, 1, out) : false;
  }
  const { present, value } = lookup(object, parts[i]!, lower[i]!);
  if (present) return walk(value, path, i + 1, out);
  // Keys may themselves contain dots (claim URIs such as http://schemas.microsoft.com/…/objectidentifier).
  for (let j = parts.length; j > i + 1; j--) {
    const joined = lookup(object, parts.slice(i, j).join('.'), lower.slice(i, j).join('.'));
    if (joined.present) return walk(joined.value, path, j, out);
  }
  return false;
}

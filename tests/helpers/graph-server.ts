/**
 * A local HTTP server that speaks Microsoft Graph's protocol for tests (no network): collections paged with an
 * opaque `$skiptoken` in `@odata.nextLink`, `$select` projection, JSON `$batch`, `/directoryObjects/getByIds`,
 * Graph's error bodies, and faults on demand: 429 with Retry-After, 503, 403, licence errors, a request that
 * never answers. It serves a tenant given as an inventory snapshot (the simulator writes one).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Json = Record<string, unknown>;

export interface GraphTenant {
  tenantId: string;
  applications: Json[];
  servicePrincipals: Json[];
  oauth2PermissionGrants: Json[];
  appRoleAssignments: Json[];
  roleAssignments: Json[];
  roleDefinitions: Json[];
  roleEligibilitySchedules?: Json[];
  domains: Json[];
  owners?: Record<string, Json[]>;
  federatedIdentityCredentials?: Record<string, Json[]>;
  directoryObjects?: Record<string, Json>;
  /** Log records served by `auditLogs/directoryAudits` and beta `auditLogs/signIns` (tests may push late arrivals). */
  directoryAudits?: Json[];
  signIns?: Json[];
  policies?: { defaultAppManagementPolicy?: Json; appManagementPolicies?: Json[]; appManagementPolicyTargets?: Record<string, string[]>; conditionalAccessPolicies?: Json[]; authorizationPolicy?: Json; directorySettings?: Json[] };
}

/** What a route answers instead of its data, `times` times (default: always). */
export interface Fault {
  status?: number;
  retryAfter?: string;
  code?: string;
  message?: string;
  /** Never answer (the client must time out). */
  hang?: boolean;
  times?: number;
}

export interface RecordedRequest {
  method: string; url: string; route: string; authorization?: string; at: number; inBatch: boolean;
  /** The client's User-Agent (a fleet worker names itself and its lease there). */
  userAgent?: string;
  /** When the answer was sent (after `latencyMs`). */
  doneAt?: number;
}

export interface GraphServer {
  url: string;
  requests: RecordedRequest[];
  faults: Map<string, Fault>;
  close(): Promise<void>;
}

const MESSAGES: Record<number, [string, string]> = {
  400: ['BadRequest', 'Bad request.'],
  401: ['InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.'],
  403: ['Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'],
  404: ['Request_ResourceNotFound', "Resource does not exist or one of its queried reference-property objects are not present."],
  429: ['TooManyRequests', 'Too many requests.'],
  503: ['ServiceUnavailable', 'Service is unavailable.'],
};

function errorBody(status: number, code?: string, message?: string): Json {
  const [c, m] = MESSAGES[status] ?? ['UnknownError', 'Error.'];
  return { error: { code: code ?? c, message: message ?? m, innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': '7b3f0b6e-0000-4000-8000-000000000000', 'client-request-id': '7b3f0b6e-0000-4000-8000-000000000001' } } };
}

/** Graph returns only the selected properties (and `id`) when `$select` is given. */
function project(item: Json, select: string | null): Json {
  if (!select) return item;
  const keep = new Set(['id', '@odata.type', ...select.split(',')]);
  return Object.fromEntries(Object.entries(item).filter(([k]) => keep.has(k)));
}

interface Answer { status: number; body: Json; headers?: Record<string, string> }

export async function startGraphServer(tenant: GraphTenant, options: { token: string; pageSize?: number; faults?: Record<string, Fault>; latencyMs?: number }): Promise<GraphServer> {
  const pageSize = options.pageSize ?? 100;
  const faults = new Map(Object.entries(options.faults ?? {}));
  const requests: RecordedRequest[] = [];
  let base = '';

  const collections: Record<string, () => Json[] | undefined> = {
    '/organization': () => [{ id: tenant.tenantId, displayName: 'Contoso', verifiedDomains: tenant.domains.map((d) => ({ name: d.id, isDefault: d.isDefault ?? false })) }],
    '/applications': () => tenant.applications,
    '/servicePrincipals': () => tenant.servicePrincipals,
    '/oauth2PermissionGrants': () => tenant.oauth2PermissionGrants,
    '/roleManagement/directory/roleDefinitions': () => tenant.roleDefinitions,
    '/roleManagement/directory/roleAssignments': () => tenant.roleAssignments,
    '/roleManagement/directory/roleEligibilitySchedules': () => tenant.roleEligibilitySchedules ?? [],
    '/domains': () => tenant.domains,
    '/policies/appManagementPolicies': () => tenant.policies?.appManagementPolicies ?? [],
    '/identity/conditionalAccess/policies': () => tenant.policies?.conditionalAccessPolicies ?? [],
    '/settings': () => tenant.policies?.directorySettings ?? [],
  };
  const singles: Record<string, () => Json | undefined> = {
    '/policies/defaultAppManagementPolicy': () => tenant.policies?.defaultAppManagementPolicy,
    '/policies/authorizationPolicy': () => tenant.policies?.authorizationPolicy,
  };

  /**
   * The logs, filtered as Graph filters them (`activityDateTime ge …`, `createdDateTime ge … and
   * signInEventTypes/any(t: t eq '…')`), newest first as Graph returns them. Sign-ins of every type are beta only.
   */
  function logCollection(path: string, filter: string | null, beta: boolean): Json[] | string | undefined {
    if (path !== '/auditLogs/directoryAudits' && path !== '/auditLogs/signIns') return undefined;
    const audit = path === '/auditLogs/directoryAudits';
    const field = audit ? 'activityDateTime' : 'createdDateTime';
    let items = [...((audit ? tenant.directoryAudits : tenant.signIns) ?? [])];
    const since = filter ? new RegExp(`${field} ge (\\S+)`).exec(filter) : null;
    if (since) items = items.filter((r) => Date.parse(String(r[field])) >= Date.parse(since[1]!));
    const type = filter ? /signInEventTypes\/any\(t: t eq '(\w+)'\)/.exec(filter) : null;
    if (!audit) {
      if (type && !beta) return "Invalid filter clause: signInEventTypes is only available in beta";
      const wanted = type?.[1] ?? 'interactiveUser';
      items = items.filter((r) => ((r.signInEventTypes as string[] | undefined) ?? ['interactiveUser']).includes(wanted));
    }
    return items.sort((a, b) => String(b[field]).localeCompare(String(a[field])));
  }

  /** The route pattern of a path (`/applications/{id}/owners`), for faults and the request log. */
  function routeOf(method: string, path: string): string {
    return `${method} ${path.replace(/^\/(applications|servicePrincipals|policies\/appManagementPolicies)\/[^/]+\//, '/$1/{id}/')}`;
  }

  function related(path: string): Json[] | undefined {
    let m = /^\/(applications|servicePrincipals)\/([^/]+)\/(owners|federatedIdentityCredentials|appRoleAssignments|appRoleAssignedTo)$/.exec(path);
    if (m) {
      const [, kind, id, relation] = m;
      const exists = (kind === 'applications' ? tenant.applications : tenant.servicePrincipals).some((o) => o.id === id);
      if (!exists) return undefined;
      if (relation === 'owners') return tenant.owners?.[id!] ?? [];
      if (relation === 'federatedIdentityCredentials') return tenant.federatedIdentityCredentials?.[id!] ?? [];
      if (relation === 'appRoleAssignments') return tenant.appRoleAssignments.filter((a) => a.principalId === id);
      return tenant.appRoleAssignments.filter((a) => a.resourceId === id);
    }
    m = /^\/policies\/appManagementPolicies\/([^/]+)\/appliesTo$/.exec(path);
    if (m) return (tenant.policies?.appManagementPolicyTargets?.[m[1]!] ?? []).map((id) => ({ '@odata.type': '#microsoft.graph.application', id }));
    return undefined;
  }

  function answer(method: string, rawUrl: string, body: unknown, inBatch: boolean, authorization: string | undefined): Answer | 'hang' {
    const url = new URL(rawUrl, 'http://graph.invalid');
    const path = url.pathname.replace(/^\/(v1\.0|beta)/, '');
    const route = routeOf(method, path) + (url.pathname.startsWith('/beta') ? ' (beta)' : '');
    requests.push({ method, url: `${url.pathname}${url.search}`, route, ...(authorization ? { authorization } : {}), at: Date.now(), inBatch });
    if (!inBatch && authorization !== `Bearer ${options.token}`) return { status: 401, body: errorBody(401) };
    const fault = faults.get(route);
    if (fault && (fault.times === undefined || fault.times > 0)) {
      if (fault.times !== undefined) fault.times--;
      if (fault.hang) return 'hang';
      const status = fault.status ?? 503;
      return { status, body: errorBody(status, fault.code, fault.message), ...(fault.retryAfter !== undefined ? { headers: { 'Retry-After': fault.retryAfter } } : {}) };
    }
    if (method === 'POST' && path === '/directoryObjects/getByIds') {
      const ids = ((body as { ids?: string[] })?.ids ?? []);
      const objects = tenant.directoryObjects ?? {};
      return { status: 200, body: { '@odata.context': `${base}/$metadata#directoryObjects`, value: ids.filter((id) => objects[id]).map((id) => objects[id]!) } };
    }
    if (method !== 'GET') return { status: 405, body: errorBody(400, 'Request_BadRequest', 'Unsupported method.') };
    const single = singles[path];
    if (single) {
      const value = single();
      if (!value) return { status: 404, body: errorBody(404) };
      return { status: 200, body: { '@odata.context': `${base}/$metadata#policies/${path.split('/').pop()}/$entity`, ...value } };
    }
    const log = logCollection(path, url.searchParams.get('$filter'), url.pathname.startsWith('/beta'));
    if (typeof log === 'string') return { status: 400, body: errorBody(400, 'Request_UnsupportedQuery', log) };
    const items = log ?? collections[path]?.() ?? related(path);
    if (!items) return { status: 404, body: errorBody(404) };
    const skip = Number(url.searchParams.get('$skiptoken') ? Buffer.from(url.searchParams.get('$skiptoken')!, 'base64url').toString() : 0);
    const top = Math.min(Number(url.searchParams.get('$top') ?? pageSize), pageSize);
    const page = items.slice(skip, skip + top).map((item) => project(item, url.searchParams.get('$select')));
    const result: Json = { '@odata.context': `${base}/$metadata#${path.slice(1)}`, value: page };
    if (skip + top < items.length) {
      // Graph writes `$skiptoken` literally (not %24) and keeps the other query options.
      const query = url.search.slice(1).split('&').filter((p) => p && !/^(\$|%24)skiptoken=/i.test(p));
      query.push(`$skiptoken=${Buffer.from(String(skip + top)).toString('base64url')}`);
      result['@odata.nextLink'] = `${base.replace(/\/v1\.0$/, '')}${url.pathname}?${query.join('&')}`;
    }
    return { status: 200, body: result };
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? JSON.parse(text) as unknown : undefined;
      const send = (a: Answer): void => {
        res.writeHead(a.status, { 'content-type': 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8', ...a.headers });
        res.end(JSON.stringify(a.body));
      };
      const path = new URL(req.url ?? '/', 'http://graph.invalid').pathname.replace(/^\/(v1\.0|beta)/, '');
      if (req.method === 'POST' && path === '/$batch') {
        requests.push({ method: 'POST', url: req.url ?? '', route: 'POST /$batch', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}), at: Date.now(), inBatch: false });
        if (req.headers.authorization !== `Bearer ${options.token}`) return send({ status: 401, body: errorBody(401) });
        const inner = ((body as { requests?: { id: string; method: string; url: string; body?: unknown }[] }).requests ?? []);
        if (inner.length > 20) return send({ status: 400, body: errorBody(400, 'BadRequest', 'Too many requests in a batch; the limit is 20.') });
        const responses = inner.map((r) => {
          const a = answer(r.method, r.url.startsWith('/') ? r.url : `/${r.url}`, r.body, true, undefined);
          if (a === 'hang') return { id: r.id, status: 504, headers: {}, body: errorBody(503, 'GatewayTimeout', 'The gateway did not receive a response.') };
          return { id: r.id, status: a.status, headers: { 'Content-Type': 'application/json', ...a.headers }, body: a.body };
        });
        return send({ status: 200, body: { responses } });
      }
      const a = answer(req.method ?? 'GET', req.url ?? '/', body, false, req.headers.authorization);
      if (a === 'hang') return; // never answers
      const recorded = requests.at(-1)!;
      if (req.headers['user-agent']) recorded.userAgent = req.headers['user-agent'];
      const finish = (): void => { recorded.doneAt = Date.now(); send(a); };
      if (options.latencyMs) setTimeout(finish, options.latencyMs);
      else finish();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1.0`;
  return {
    url: base, requests, faults,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

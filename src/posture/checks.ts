/**
 * @module posture/checks
 * What is risky in the tenant now, from an inventory snapshot (no logs): each finding in the alert shape
 * (docs/contracts.md) with `rule.source: "posture"`, so every output format serves both. The first checks:
 * credentials that outlive the lifetime policy (guide row 2) or have expired, high-privilege delegated grants for
 * all users (row 8), service principals holding privileged directory roles (row 3), and redirect URIs that are
 * not HTTPS, have wildcards or point outside the verified domains (row 15).
 */
import { createHash } from 'node:crypto';
import type { Alert } from '../alerts/types.js';
import { classifyPermission, findRole } from '../enrich/catalogue.js';
import { uriFlags } from '../enrich/uris.js';
import type { Severity } from '../model/severity.js';
import type { InventorySnapshot, LifetimePolicy } from './snapshot.js';

type Json = Record<string, unknown>;
const DAY = 86_400_000;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

interface Check { id: string; title: string; level: Severity; guideRows: number[]; fix: string }

export const CHECKS = {
  lifetime: { id: 'posture-credential-lifetime', title: 'Credential valid longer than the lifetime policy', level: 'medium', guideRows: [2], fix: 'Replace it with a credential within policy (a certificate or a federated credential where possible) and remove this one.' },
  expired: { id: 'posture-credential-expired', title: 'Expired credential still on the application', level: 'low', guideRows: [2], fix: 'Remove expired credentials so the app lists only what it uses.' },
  allUsersGrant: { id: 'posture-all-users-grant', title: 'High-privilege delegated permission granted for all users', level: 'high', guideRows: [8], fix: 'Check the app needs these scopes for everyone; revoke the grant or narrow it to the users who need it.' },
  privilegedRole: { id: 'posture-privileged-role', title: 'Service principal holds a privileged directory role', level: 'high', guideRows: [3], fix: 'Give the app the least role it needs (or an application permission) and remove the privileged role.' },
  redirectUri: { id: 'posture-redirect-uri', title: 'Risky redirect URI on an application', level: 'medium', guideRows: [15], fix: 'Use HTTPS URIs, without wildcards, on domains the tenant has verified; remove the others.' },
} as const satisfies Record<string, Check>;

export interface PostureOptions { policy: LifetimePolicy; now: number; file: string; detectedAt: string }

export function postureFindings(snapshot: InventorySnapshot, options: PostureOptions): Alert[] {
  const findings: Alert[] = [];
  const time = options.now > 0 ? new Date(options.now).toISOString() : options.detectedAt;
  const finding = (check: Check, key: string, summary: string, entities: Alert['entities'], evidence: { kind: string; id: string; index: number }, fields: Record<string, unknown[]>): void => {
    findings.push({
      id: createHash('sha256').update(`${check.id}\u0000${key}`).digest('hex').slice(0, 32),
      time, detectedAt: options.detectedAt, severity: check.level,
      rule: { id: check.id, title: check.title, level: check.level, author: 'appwatch', source: 'posture', references: ['https://learn.microsoft.com/entra/architecture/security-operations-applications'], tags: check.guideRows.map((r) => `appwatch.guide-row.${r}`), guideRows: check.guideRows, repairs: [] },
      summary: `${summary} Fix: ${check.fix}`,
      entities, context: { flags: [], severityReasons: [`check level ${check.level}`] },
      evidence: [{ kind: evidence.kind, id: evidence.id, time, origin: { source: 'file', format: 'graph', file: options.file, index: evidence.index } }],
      fields,
    });
  };
  const spById = new Map(snapshot.servicePrincipals.map((sp) => [str(sp.id), sp]));

  snapshot.applications.forEach((app, index) => {
    const name = str(app.displayName) ?? str(app.appId) ?? str(app.id) ?? '?';
    const entity = { application: { ...(str(app.id) ? { id: str(app.id)! } : {}), displayName: name, ...(str(app.appId) ? { appId: str(app.appId)! } : {}) } };
    const ref = `'${name}' (appId ${str(app.appId) ?? '?'})`;
    for (const [list, type] of [['passwordCredentials', 'password'], ['keyCredentials', 'certificate']] as const) {
      for (const c of Array.isArray(app[list]) ? (app[list] as Json[]) : []) {
        const start = Date.parse(String(c.startDateTime));
        const end = Date.parse(String(c.endDateTime));
        if (!Number.isFinite(start) || !Number.isFinite(end)) continue;
        const keyId = str(c.keyId) ?? '?';
        const label = `${type} '${str(c.displayName) ?? keyId}'`;
        const days = Math.round((end - start) / DAY);
        if (days > options.policy[type]) {
          finding(CHECKS.lifetime, `${app.id}/${keyId}`, `${label} on ${ref} is valid ${days} days, until ${new Date(end).toISOString().slice(0, 10)} (policy ${options.policy[type]}).`, entity, { kind: 'application', id: String(app.id), index }, { keyId: [keyId], lifetimeDays: [days] });
        }
        if (options.now > 0 && end < options.now) {
          finding(CHECKS.expired, `${app.id}/${keyId}`, `${label} on ${ref} expired on ${new Date(end).toISOString().slice(0, 10)}.`, entity, { kind: 'application', id: String(app.id), index }, { keyId: [keyId] });
        }
      }
    }
    const verified = snapshot.domains.filter((d) => d.isVerified === true).map((d) => String(d.id).toLowerCase());
    const uris = ['web', 'spa', 'publicClient'].flatMap((k) => ((app[k] as Json | undefined)?.redirectUris as string[] | undefined) ?? []);
    for (const uri of uris) {
      const info = uriFlags(uri);
      const host = info.host?.toLowerCase();
      const flags: string[] = info.flags.filter((f) => f === 'not-https' || f === 'wildcard' || f === 'ip-literal');
      // Domains matter for web addresses; custom schemes (ms-appx-web://, msal…://) belong to native clients.
      const web = /^https?:\/\//i.test(uri);
      if (web && host && !info.flags.includes('localhost') && !/^(127\.|\[::1\])/.test(host) && verified.length > 0 && !verified.some((d) => host === d || host.endsWith(`.${d}`))) flags.push('unverified-domain');
      if (flags.length === 0) continue;
      finding(CHECKS.redirectUri, `${app.id}/${uri}`, `${ref} accepts tokens at ${uri} (${flags.join(', ')}).`, entity, { kind: 'application', id: String(app.id), index }, { redirectUri: [uri], flags });
    }
  });

  snapshot.oauth2PermissionGrants.forEach((grant, index) => {
    if (String(grant.consentType).toLowerCase() !== 'allprincipals') return;
    const scopes = String(grant.scope ?? '').split(/\s+/).filter(Boolean).map(classifyPermission);
    const risky = scopes.filter((p) => p.class === 'high' || p.class === 'critical');
    if (risky.length === 0) return;
    const client = spById.get(str(grant.clientId));
    const resource = spById.get(str(grant.resourceId));
    const name = str(client?.displayName) ?? str(grant.clientId) ?? '?';
    finding(CHECKS.allUsersGrant, String(grant.id ?? `${grant.clientId}/${grant.resourceId}`), `'${name}' holds ${risky.map((p) => `${p.value} (${p.class})`).join(', ')} on ${str(resource?.displayName) ?? str(grant.resourceId) ?? '?'} for all users.`,
      { servicePrincipal: { ...(str(grant.clientId) ? { id: str(grant.clientId)! } : {}), displayName: name, ...(str(client?.appId) ? { appId: str(client?.appId)! } : {}) } },
      { kind: 'oauth2PermissionGrant', id: String(grant.id ?? ''), index }, { scope: risky.map((p) => p.value) });
  });

  const definitions = new Map<string, Json>();
  for (const d of snapshot.roleDefinitions) for (const id of [str(d.id), str(d.templateId)]) if (id) definitions.set(id.toLowerCase(), d);
  snapshot.roleAssignments.forEach((assignment, index) => {
    const sp = spById.get(str(assignment.principalId));
    if (!sp) return; // people hold roles too; this check is about applications
    const definitionId = String(assignment.roleDefinitionId ?? '').toLowerCase();
    const definition = definitions.get(definitionId);
    const role = findRole({ templateId: str(definition?.templateId) ?? definitionId, ...(str(definition?.displayName) ? { displayName: str(definition?.displayName)! } : {}) });
    if (!role?.privileged) return;
    const name = str(sp.displayName) ?? String(sp.id);
    finding(CHECKS.privilegedRole, `${assignment.principalId}/${definitionId}`, `'${name}' (appId ${str(sp.appId) ?? '?'}) holds ${role.displayName}, a privileged role.`,
      { servicePrincipal: { id: String(sp.id), displayName: name, ...(str(sp.appId) ? { appId: str(sp.appId)! } : {}) }, role: { id: role.templateId, displayName: role.displayName } },
      { kind: 'roleAssignment', id: String(assignment.id ?? ''), index }, { role: [role.displayName] });
  });
  return findings;
}

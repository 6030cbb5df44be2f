/**
 * @module posture/consent-report
 * The app consent grant report Microsoft's consent-grant investigation guide links (the data of the PowerShell
 * script Get-AzureADPSPermissions): one row per permission granted to an application, delegated (each scope of
 * each oauth2PermissionGrant) and application (each app role a service principal holds), with appwatch's
 * privilege class. Values come from the tenant and are attacker-controlled (an app names itself); the CSV
 * rendering makes them inert for spreadsheets and terminals, the JSON keeps them exact.
 */
import { classifyPermission, rank, type PermissionClass } from '../enrich/catalogue.js';
import { inertLine } from '../cli/terminal.js';
import { csvCell } from '../sinks/formats.js';
import type { InventorySnapshot } from './snapshot.js';

type Json = Record<string, unknown>;

/** Get-AzureADPSPermissions' columns in its order, then appwatch's classification. */
export const CONSENT_REPORT_COLUMNS = [
  'PermissionType', 'ClientObjectId', 'ClientDisplayName', 'ResourceObjectId', 'ResourceDisplayName', 'Permission',
  'ConsentType', 'PrincipalObjectId', 'PrincipalDisplayName', 'Privilege', 'PrivilegeReason',
] as const;

export interface ConsentRow {
  PermissionType: 'Delegated' | 'Application';
  ClientObjectId: string;
  ClientDisplayName: string;
  ResourceObjectId: string;
  ResourceDisplayName: string;
  Permission: string;
  ConsentType: string;
  PrincipalObjectId: string;
  PrincipalDisplayName: string;
  Privilege: PermissionClass;
  PrivilegeReason: string;
}

/** Names an app role of a resource service principal (posture/app-roles.ts `AppRoleIndex` has this shape). */
export interface AppRoleNames {
  name(resourceId: string, appRoleId: string): string | undefined;
}

export interface ConsentReportSummary {
  rows: number;
  delegated: number;
  application: number;
  byPrivilege: Record<PermissionClass, number>;
  /** Application rows whose appRoleId the snapshot could not name (Permission is the raw id). */
  unresolvedAppRoles: number;
}

/** PrivilegeReason of an application row whose appRoleId no appRoles in the snapshot name. */
export const UNRESOLVED_APP_ROLE = 'app role id not named (not in the resource\'s appRoles in the snapshot, nor a known Microsoft Graph role): treated as medium';

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Graph ids are GUIDs; compare them case-insensitively (hand-made and older snapshots vary). */
function indexById(objects: Iterable<[string, Json]>): Map<string, Json> {
  const map = new Map<string, Json>();
  for (const [id, o] of objects) if (id) map.set(id.toLowerCase(), o);
  return map;
}

/** The report's rows, sorted: privilege descending, then client name, resource name, permission. */
export function consentReport(snapshot: InventorySnapshot, roles: AppRoleNames): ConsentRow[] {
  const sps = indexById(snapshot.servicePrincipals.map((sp) => [str(sp.id), sp]));
  const objects = indexById(Object.entries(snapshot.directoryObjects ?? {}));
  const spName = (id: string): string => str(sps.get(id.toLowerCase())?.displayName);
  const rows: ConsentRow[] = [];

  for (const grant of snapshot.oauth2PermissionGrants) {
    const clientId = str(grant.clientId);
    const resourceId = str(grant.resourceId);
    const consentType = str(grant.consentType);
    // Graph sends principalId null for AllPrincipals grants; the column is empty then, whatever the object says.
    const principalId = consentType.toLowerCase() === 'allprincipals' ? '' : str(grant.principalId);
    const principal = principalId ? objects.get(principalId.toLowerCase()) : undefined;
    const principalName = str(principal?.displayName) || str(principal?.userPrincipalName);
    // Graph writes scopes space-separated, sometimes with a leading space (audit values show " openid …").
    for (const scope of str(grant.scope).split(/\s+/).filter(Boolean)) {
      rows.push(classified({
        PermissionType: 'Delegated', ClientObjectId: clientId, ClientDisplayName: spName(clientId),
        ResourceObjectId: resourceId, ResourceDisplayName: spName(resourceId), Permission: scope,
        ConsentType: consentType, PrincipalObjectId: principalId, PrincipalDisplayName: principalName,
      }));
    }
  }

  for (const assignment of snapshot.appRoleAssignments) {
    // The snapshot holds both directions of assignments; users and groups assigned to an app are not permissions.
    if (str(assignment.principalType) !== 'ServicePrincipal') continue;
    const clientId = str(assignment.principalId);
    const resourceId = str(assignment.resourceId);
    const appRoleId = str(assignment.appRoleId);
    const name = roles.name(resourceId, appRoleId);
    const row = {
      PermissionType: 'Application' as const, ClientObjectId: clientId,
      ClientDisplayName: str(assignment.principalDisplayName) || spName(clientId),
      ResourceObjectId: resourceId, ResourceDisplayName: str(assignment.resourceDisplayName) || spName(resourceId),
      Permission: name ?? appRoleId,
      // Get-AzureADPSPermissions reports application permissions as AllPrincipals: they act on the whole tenant.
      ConsentType: 'AllPrincipals', PrincipalObjectId: '', PrincipalDisplayName: '',
    };
    rows.push(name === undefined
      // A GUID classifies as nothing; say why rather than the catalogue's generic "not in the classification".
      ? { ...row, Privilege: 'medium', PrivilegeReason: UNRESOLVED_APP_ROLE }
      : classified(row));
  }

  const names = new Intl.Collator('en', { sensitivity: 'base', numeric: true });
  // Array.prototype.sort is stable: equal rows (duplicate grants) keep the snapshot's order, delegated first.
  return rows.sort((a, b) => rank(b.Privilege) - rank(a.Privilege)
    || names.compare(a.ClientDisplayName || a.ClientObjectId, b.ClientDisplayName || b.ClientObjectId)
    || names.compare(a.ResourceDisplayName || a.ResourceObjectId, b.ResourceDisplayName || b.ResourceObjectId)
    || names.compare(a.Permission, b.Permission));
}

function classified(row: Omit<ConsentRow, 'Privilege' | 'PrivilegeReason'>): ConsentRow {
  const c = classifyPermission(row.Permission);
  return { ...row, Privilege: c.class, PrivilegeReason: c.reason };
}

export function consentSummary(rows: readonly ConsentRow[]): ConsentReportSummary {
  const byPrivilege: Record<PermissionClass, number> = { low: 0, medium: 0, high: 0, critical: 0 };
  for (const r of rows) byPrivilege[r.Privilege] += 1;
  const delegated = rows.filter((r) => r.PermissionType === 'Delegated').length;
  const unresolvedAppRoles = rows.filter((r) => r.PermissionType === 'Application' && r.PrivilegeReason === UNRESOLVED_APP_ROLE).length;
  return { rows: rows.length, delegated, application: rows.length - delegated, byPrivilege, unresolvedAppRoles };
}

/**
 * The CSV, for Excel first (the guide's reviewers open it there), per RFC 4180 (every cell quoted, CRLF between
 * records). Each cell goes through `csvCell` (formula triggers = + - @ tab CR get a leading `'`) after `inertLine`
 * (control characters, ANSI escapes and bidi overrides become visible `\u….`, newlines `\n`): one record per line
 * keeps the file greppable and safe to `cat`, and an app name with a newline in it is itself a finding; the JSON
 * forms keep the exact values.
 * With `bom`, a UTF-8 byte order mark comes first: without it Excel reads the file in the ANSI code page and
 * non-ASCII names (Zoë, 日本) arrive garbled.
 */
export function consentCsv(rows: readonly ConsentRow[], bom: boolean): string {
  const line = (cells: readonly string[]): string => `${cells.map((c) => csvCell(inertLine(c))).join(',')}\r\n`;
  return (bom ? '\uFEFF' : '') + line(CONSENT_REPORT_COLUMNS) + rows.map((r) => line(CONSENT_REPORT_COLUMNS.map((k) => r[k]))).join('');
}

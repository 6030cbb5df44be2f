/**
 * @module export/kql/enrich/resources
 * appwatch's derived fields of sign-ins, Key Vault and Azure Activity events in KQL: the application a sign-in
 * is about, the caller from the identity claims (ingest/formats/shared.ts callerFromClaims, either claim
 * style), the vault of a resource id, and the Azure role assignment of an Activity record
 * (enrich/azure-roles.ts).
 */
import { kqlMember, kqlString } from '../escape.js';
import type { Location } from '../fields.js';
import type { Scope } from '../scope.js';
import type { TableInfo } from '../tables.js';
import { computed, GUID_SOURCE } from './helpers.js';

/** Claim names in the scan engine's order of preference. */
const CLAIMS = {
  objectId: ['oid', 'http://schemas.microsoft.com/identity/claims/objectidentifier'],
  upn: ['upn', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn', 'unique_name', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name'],
  appId: ['appid', 'azp', 'http://schemas.microsoft.com/identity/claims/appid'],
  type: ['idtyp'],
} as const;

/** How AzureDiagnostics names a flattened claim column (type suffix by what the claim holds). */
function flattenedClaim(claim: string, guid: boolean): string {
  return `identity_claim_${claim.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '')}_${guid ? 'g' : 's'}`;
}

/** The built-in Azure roles enrich/azure-roles.ts calls privileged (the same ids; tests/export check they agree). */
export const PRIVILEGED_AZURE_ROLES: Readonly<Record<string, string>> = {
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635': 'Owner',
  'b24988ac-6180-42a0-ab88-20f7382dd24c': 'Contributor',
  '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9': 'User Access Administrator',
  'f58310d9-a9f6-439a-9e8d-f62e7b41a168': 'Role Based Access Control Administrator',
};

/** The caller's object id, UPN, appId or identity type from the table's identity columns. */
export function claimExpr(table: TableInfo, part: keyof typeof CLAIMS): string {
  const names: readonly string[] = CLAIMS[part];
  const first = (exprs: string[]): string => (exprs.length === 1 ? exprs[0]! : `coalesce(${exprs.join(', ')})`);
  switch (table.name) {
    case 'AZKVAuditLogs':
      return first(names.map((n) => `tostring(Identity.claim${kqlMember(n)})`));
    case 'AzureDiagnostics':
      return first(names.map((n) => `tostring(column_ifexists(${kqlString(flattenedClaim(n, part === 'objectId' || part === 'appId'))}, ""))`));
    case 'AzureActivity': {
      const claims = 'parse_json(tostring(Claims_d))';
      const fromClaims = first(names.map((n) => `tostring(${claims}${kqlMember(n)})`));
      // Without claims the scan engine takes the Caller column: a UPN when it has an @, else an object id.
      if (part === 'upn') return `coalesce(${fromClaims}, iff(Caller contains "@", Caller, ""))`;
      if (part === 'objectId') return `coalesce(${fromClaims}, iff(isnotempty(Caller) and not(Caller contains "@"), Caller, ""))`;
      return fromClaims;
    }
    default:
      return '""';
  }
}

export function callerColumn(scope: Scope, part: keyof typeof CLAIMS): Location {
  const name = `_aw_caller_${part}`;
  return computed(scope, name, 'string', (root) => root.steps.push(`extend ${name} = ${claimExpr(scope.table, part)}`));
}

function vault(scope: Scope): Location {
  return computed(scope, '_aw_vault', 'string', (root) => root.steps.push(`extend _aw_vault = tolower(extract(${kqlString('(?i)^(.*/providers/microsoft\\.keyvault/vaults/[^/]+)')}, 1, _ResourceId))`));
}

function azureRole(scope: Scope): void {
  scope.root.ensure('azureRole', () => {
    const inner = 'parse_json(tostring(parse_json(tostring(parse_json(tostring(Properties_d)).requestbody)).properties))';
    const ids = Object.keys(PRIVILEGED_AZURE_ROLES);
    scope.root.steps.push(`extend _aw_rb = iff(OperationNameValue =~ "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE", ${inner}, dynamic(null))`
      + ` | extend _aw_azRoleId = tolower(extract(${kqlString(`(${GUID_SOURCE})\\s*$`)}, 1, tostring(_aw_rb.roleDefinitionId)))`
      + ` | extend _aw_azPrivileged = iff(isnotnull(_aw_rb), _aw_azRoleId in (${ids.map(kqlString).join(', ')}), bool(null)), _aw_azRoleName = case(${ids.map((id) => `_aw_azRoleId == ${kqlString(id)}, ${kqlString(PRIVILEGED_AZURE_ROLES[id]!)}`).join(', ')}, ""), _aw_azPrincipalType = tostring(_aw_rb.principalType), _aw_azPrincipalId = tostring(_aw_rb.principalId), _aw_azScope = tostring(_aw_rb.scope)`);
    scope.build.note('appwatch.azureRole: the request body keys (requestbody, properties, principalType, roleDefinitionId) are read case-sensitively in KQL; appwatch ignores their case');
    return 'azureRole';
  });
}

const AZURE_ROLE_COLUMNS: Readonly<Record<string, [string, 'string' | 'bool']>> = {
  privileged: ['_aw_azPrivileged', 'bool'], principaltype: ['_aw_azPrincipalType', 'string'], principalid: ['_aw_azPrincipalId', 'string'],
  roledefinitionid: ['_aw_azRoleId', 'string'], rolename: ['_aw_azRoleName', 'string'], scope: ['_aw_azScope', 'string'],
};

/** A derived field of sign-ins, Key Vault or Activity events; undefined when it is not one of these. */
export function resourceField(scope: Scope, path: string): Location | undefined {
  const kind = scope.table.kind;
  if (path === 'appid' && kind === 'signin') return computed(scope, '_aw_appId', 'string', (root) => root.steps.push('extend _aw_appId = tolower(AppId)'));
  if (path === 'vault' && (kind === 'keyvault' || kind === 'activity')) return vault(scope);
  const caller = /^caller\.(objectid|upn|appid|type)$/.exec(path)?.[1];
  if (caller && (kind === 'keyvault' || kind === 'activity')) {
    const part = ({ objectid: 'objectId', upn: 'upn', appid: 'appId', type: 'type' } as const)[caller as 'objectid' | 'upn' | 'appid' | 'type'];
    return callerColumn(scope, part);
  }
  const role = /^azurerole\.(\w+)$/.exec(path)?.[1];
  if (role && kind === 'activity' && AZURE_ROLE_COLUMNS[role]) {
    const [name, type] = AZURE_ROLE_COLUMNS[role]!;
    return computed(scope, name, type, azureRole);
  }
  return undefined;
}

/** Whether an Activity record assigns a privileged Azure role (the privileged-role flag of Activity events). */
export function azurePrivileged(scope: Scope): Location {
  return computed(scope, '_aw_azPrivileged', 'bool', azureRole);
}

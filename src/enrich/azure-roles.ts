/**
 * @module enrich/azure-roles
 * Azure RBAC role assignments from the Activity log (Microsoft.Authorization/roleAssignments/write): the
 * principal and role from the request body (on the Start record), and whether the role is one that controls
 * the resources or their access (Owner, Contributor, User Access Administrator, Role Based Access Control
 * Administrator).
 */
import type { CanonicalEvent } from '../model/event.js';

/** Built-in Azure role definition ids (the same in every tenant). */
const PRIVILEGED_AZURE_ROLES: Readonly<Record<string, string>> = {
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635': 'Owner',
  'b24988ac-6180-42a0-ab88-20f7382dd24c': 'Contributor',
  '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9': 'User Access Administrator',
  'f58310d9-a9f6-439a-9e8d-f62e7b41a168': 'Role Based Access Control Administrator',
};

export interface AzureRoleAssignment {
  principalId?: string;
  principalType?: string;
  roleDefinitionId?: string;
  roleName?: string;
  scope?: string;
  privileged: boolean;
}

type Json = Record<string, unknown>;

function parse(value: unknown): Json | undefined {
  if (value && typeof value === 'object') return value as Json;
  if (typeof value !== 'string') return undefined;
  try {
    const parsed = JSON.parse(value) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Json) : undefined;
  } catch {
    return undefined;
  }
}

function field(obj: Json | undefined, name: string): unknown {
  if (!obj) return undefined;
  const key = Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : obj[key];
}

export function azureRoleAssignment(event: CanonicalEvent): AzureRoleAssignment | undefined {
  if (event.appwatch.kind !== 'activity') return undefined;
  if (String(event.operationName ?? '').toLowerCase() !== 'microsoft.authorization/roleassignments/write') return undefined;
  const properties = parse(event.properties);
  const body = parse(field(properties, 'requestbody'));
  const inner = parse(field(body, 'properties'));
  if (!inner) return undefined;
  const definition = String(field(inner, 'roleDefinitionId') ?? '');
  const roleGuid = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\s*$/i.exec(definition)?.[1]?.toLowerCase();
  const roleName = roleGuid ? PRIVILEGED_AZURE_ROLES[roleGuid] : undefined;
  const out: AzureRoleAssignment = { privileged: roleName !== undefined };
  const principalId = field(inner, 'principalId');
  const principalType = field(inner, 'principalType');
  const scope = field(inner, 'scope');
  if (typeof principalId === 'string') out.principalId = principalId;
  if (typeof principalType === 'string') out.principalType = principalType;
  if (roleGuid) out.roleDefinitionId = roleGuid;
  if (roleName) out.roleName = roleName;
  if (typeof scope === 'string') out.scope = scope;
  return out;
}

/**
 * @module posture/app-roles
 * Names the app role of an appRoleAssignment: Graph records only `appRoleId`, and every check and report that
 * classifies application permissions needs the permission's value ('Mail.Read'). The resource service
 * principal's own `appRoles[]` in the snapshot come first (they are the tenant's truth, and the only source for
 * other APIs such as Exchange Online or line-of-business APIs); Microsoft Graph's roles fall back on the bundled
 * catalogue `catalogues/permissions/graph-app-roles.json` (appRole id → value, facts from merill/microsoft-info,
 * MIT), because collectors often leave Graph's ~700 roles out of the snapshot.
 */
import { readFileSync } from 'node:fs';
import type { InventorySnapshot } from './snapshot.js';

export interface AppRoleIndex { name(resourceId: string, appRoleId: string): string | undefined }

/** Microsoft Graph's appId, the same in every tenant. */
export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
/** The app role id of an assignment that grants access to the app without a specific role ("default access"). */
const DEFAULT_ACCESS_ROLE_ID = '00000000-0000-0000-0000-000000000000';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

let graphCatalogue: Map<string, string> | undefined;

/** The bundled Graph application permissions, appRole id (lower case) → value; loaded once. */
export function graphAppRoleCatalogue(): ReadonlyMap<string, string> {
  if (graphCatalogue) return graphCatalogue;
  const data = JSON.parse(readFileSync(new URL('../../catalogues/permissions/graph-app-roles.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  // Keys that are not GUIDs (`_source`) describe the file.
  graphCatalogue = new Map(Object.entries(data).filter((e): e is [string, string] => GUID.test(e[0]) && typeof e[1] === 'string').map(([id, value]) => [id.toLowerCase(), value]));
  return graphCatalogue;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function appRoleIndex(snapshot: InventorySnapshot): AppRoleIndex {
  const byResource = new Map<string, { appId?: string; roles: Map<string, string> }>();
  for (const sp of snapshot.servicePrincipals) {
    const id = str(sp.id)?.toLowerCase();
    if (!id) continue;
    const roles = new Map<string, string>();
    for (const role of Array.isArray(sp.appRoles) ? (sp.appRoles as Record<string, unknown>[]) : []) {
      const roleId = str(role?.id)?.toLowerCase();
      const value = str(role?.value);
      if (roleId && value) roles.set(roleId, value);
    }
    const appId = str(sp.appId)?.toLowerCase();
    byResource.set(id, { ...(appId ? { appId } : {}), roles });
  }
  return {
    name(resourceId: string, appRoleId: string): string | undefined {
      const roleId = appRoleId.toLowerCase();
      if (roleId === DEFAULT_ACCESS_ROLE_ID) return 'default access';
      const resource = byResource.get(resourceId.toLowerCase());
      const own = resource?.roles.get(roleId);
      if (own) return own;
      return resource?.appId === MICROSOFT_GRAPH_APP_ID ? graphAppRoleCatalogue().get(roleId) : undefined;
    },
  };
}

/**
 * @module enrich/catalogue
 * The data enrichers classify against, loaded once from `catalogues/`: permission classes with reasons,
 * sensitive resource APIs, and Entra built-in roles with Microsoft's privileged label.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export const PERMISSION_CLASSES = ['low', 'medium', 'high', 'critical'] as const;
export type PermissionClass = (typeof PERMISSION_CLASSES)[number];

interface Entry {
  value: string;
  reason: string;
}

interface ClassificationFile {
  critical: Entry[];
  high: Entry[];
  low: Entry[];
  families: { match: string; class: PermissionClass; reason: string }[];
  sensitiveResources: { appId: string; name: string }[];
}

export interface Classified {
  value: string;
  class: PermissionClass;
  reason: string;
}

const file = (path: string): string => readFileSync(new URL(`../../catalogues/${path}`, import.meta.url), 'utf8');

let permissions: { exact: Map<string, Classified>; families: { re: RegExp; class: PermissionClass; reason: string }[]; sensitive: Map<string, string> } | undefined;

function loadPermissions(): NonNullable<typeof permissions> {
  if (permissions) return permissions;
  const data = parseYaml(file('permissions/classification.yaml')) as ClassificationFile;
  const exact = new Map<string, Classified>();
  for (const cls of ['critical', 'high', 'low'] as const) {
    for (const e of data[cls]) exact.set(e.value.toLowerCase(), { value: e.value, class: cls, reason: e.reason });
  }
  const families = data.families.map((f) => ({
    re: new RegExp(`^${f.match.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^ ]+')}$`, 'i'),
    class: f.class,
    reason: f.reason,
  }));
  const sensitive = new Map(data.sensitiveResources.map((r) => [r.appId.toLowerCase(), r.name]));
  return (permissions = { exact, families, sensitive });
}

/** The class of a permission by its exact name (then by whole-name family), with the reason. */
export function classifyPermission(value: string): Classified {
  const { exact, families } = loadPermissions();
  const hit = exact.get(value.toLowerCase());
  if (hit) return { ...hit, value };
  for (const f of families) if (f.re.test(value)) return { value, class: f.class, reason: f.reason };
  return { value, class: 'medium', reason: 'not in the classification: treated as medium' };
}

/** The name of a sensitive resource API by appId, or undefined. */
export function sensitiveResource(appId: string | undefined): string | undefined {
  return appId ? loadPermissions().sensitive.get(appId.toLowerCase()) : undefined;
}

export function sensitiveResourceByName(name: string | undefined): string | undefined {
  if (!name) return undefined;
  for (const n of loadPermissions().sensitive.values()) if (n.toLowerCase() === name.toLowerCase()) return n;
  return undefined;
}

export const rank = (c: PermissionClass): number => PERMISSION_CLASSES.indexOf(c);

interface Role {
  displayName: string;
  templateId: string;
  privileged: boolean;
}

let roles: { byId: Map<string, Role>; byName: Map<string, Role> } | undefined;

export function findRole(key: { templateId?: string; displayName?: string }): Role | undefined {
  if (!roles) {
    const list = (JSON.parse(file('entra/roles.json')) as { roles: Role[] }).roles;
    roles = { byId: new Map(list.map((r) => [r.templateId, r])), byName: new Map(list.map((r) => [r.displayName.toLowerCase(), r])) };
  }
  return (key.templateId ? roles.byId.get(key.templateId.toLowerCase()) : undefined)
    ?? (key.displayName ? roles.byName.get(key.displayName.toLowerCase()) : undefined);
}

/**
 * @module export/kql/tables
 * The Log Analytics tables a rule's events live in, with their columns and where each canonical field sits
 * (catalogues/kql/: tables.json for column names and types, fields.yaml for the mapping). Routing follows the
 * scan engine's: a log source's event kinds, sign-ins narrowed to their categories.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { EventKind, SignInType } from '../../model/event.js';
import type { Routing } from '../../detect/pipeline.js';

export type ColumnType = 'string' | 'int' | 'long' | 'real' | 'bool' | 'datetime' | 'dynamic' | 'guid' | 'timespan';

export const KEYVAULT_TABLES = ['AZKVAuditLogs', 'AzureDiagnostics'] as const;
export type KeyVaultTable = (typeof KEYVAULT_TABLES)[number];

export interface Column {
  name: string;
  type: ColumnType;
}

export interface TableInfo {
  name: string;
  kind: EventKind;
  signInType?: SignInType;
  connector: string;
  /** Lower-case name → column. */
  columns: Map<string, Column>;
  /** Canonical path (lower case) → column name. */
  mapping: Map<string, string>;
  /** Key Vault's flattened AzureDiagnostics columns: canonical path (lower case) → column. */
  flattened: Map<string, string>;
  /** Array paths from a column, lower case, dot-separated. */
  arrays: Set<string>;
  /** Paths inside dynamic columns holding JSON text, lower case. */
  jsonText: Set<string>;
  constants: Map<string, unknown>;
  filter?: string;
  reparse: Set<string>;
  keywordsSkip: Set<string>;
}

interface TableFile {
  tables: Record<string, { columns: Record<string, string>; extraColumns?: Record<string, string> }>;
}

interface FieldsFile {
  keys: string[];
  tables: Record<string, {
    kind: EventKind; signInType?: SignInType; connector: string; columns?: Record<string, string>; flattened?: Record<string, string>;
    arrays?: string[]; jsonText?: string[]; constants?: Record<string, unknown>; filter?: string; reparse?: string[]; keywordsSkip?: string[];
  }>;
}

const catalogue = (name: string): string => readFileSync(new URL(`../../../catalogues/kql/${name}`, import.meta.url), 'utf8');

let cached: { tables: Map<string, TableInfo>; keys: Map<string, string> } | undefined;

function load(): NonNullable<typeof cached> {
  if (cached) return cached;
  const types = JSON.parse(catalogue('tables.json')) as TableFile;
  const fields = parseYaml(catalogue('fields.yaml'), { merge: true }) as FieldsFile;
  const tables = new Map<string, TableInfo>();
  for (const [name, spec] of Object.entries(fields.tables)) {
    const facts = types.tables[name];
    if (!facts) throw new Error(`catalogues/kql/fields.yaml names table ${name}, which tables.json does not describe`);
    const columns = new Map<string, Column>();
    for (const [column, type] of Object.entries({ ...facts.columns, ...facts.extraColumns })) columns.set(column.toLowerCase(), { name: column, type: type as ColumnType });
    const lowerMap = (record: Record<string, string> | undefined): Map<string, string> => new Map(Object.entries(record ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    tables.set(name, {
      name, kind: spec.kind, ...(spec.signInType ? { signInType: spec.signInType } : {}), connector: spec.connector,
      columns, mapping: lowerMap(spec.columns), flattened: lowerMap(spec.flattened),
      arrays: new Set((spec.arrays ?? []).map((a) => a.toLowerCase())),
      jsonText: new Set((spec.jsonText ?? []).map((a) => a.toLowerCase())),
      constants: new Map(Object.entries(spec.constants ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
      ...(spec.filter ? { filter: spec.filter } : {}),
      reparse: new Set((spec.reparse ?? []).map((r) => r.toLowerCase())),
      keywordsSkip: new Set((spec.keywordsSkip ?? []).map((r) => r.toLowerCase())),
    });
  }
  return (cached = { tables, keys: new Map(fields.keys.map((k) => [k.toLowerCase(), k])) });
}

export function tableInfo(name: string): TableInfo {
  const table = load().tables.get(name);
  if (!table) throw new Error(`no table ${name} in catalogues/kql`);
  return table;
}

export function allTables(): TableInfo[] {
  return [...load().tables.values()];
}

/** The casing the logs use for a key inside a dynamic column, when known. */
export function knownKey(key: string): string | undefined {
  return load().keys.get(key.toLowerCase());
}

export interface TableChoice {
  keyVault: KeyVaultTable;
}

/** The tables holding the events a rule's log source selects, in a stable order. */
export function tablesFor(routing: Routing, choice: TableChoice): TableInfo[] {
  const out: TableInfo[] = [];
  for (const kind of routing.kinds) {
    if (kind === 'signin') {
      for (const t of allTables()) if (t.kind === 'signin' && (!routing.signInTypes || routing.signInTypes.includes(t.signInType!))) out.push(t);
    } else if (kind === 'keyvault') out.push(tableInfo(choice.keyVault));
    else for (const t of allTables()) if (t.kind === kind) out.push(t);
  }
  return out;
}

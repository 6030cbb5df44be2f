/**
 * @module export/kql/fields
 * Where a rule's field is in a table: the field is brought to appwatch's canonical path by the scan engine's
 * own resolver (every name a rule may use: Log Analytics, diagnostic export, Graph), then to the table's column
 * and the path inside it (catalogues/kql/fields.yaml). Some fields are answered by the table itself (every row
 * of AADServicePrincipalSignInLogs is a service-principal sign-in); some are in no column of the table.
 */
import { candidatePaths } from '../../model/field-resolver.js';
import { kqlName, kqlString } from './escape.js';
import { knownKey, type ColumnType, type TableInfo } from './tables.js';

export type Location =
  | {
    k: 'node';
    /** KQL expression of the column (or the dynamic value it holds). */
    expr: string;
    type: ColumnType;
    /** Lower-case path of `expr` from the column, for the catalogue's array and JSON-text paths. */
    key: string;
    /** Path left to walk inside the column, in the logs' casing where known. */
    segments: string[];
    /** Segments whose casing is a guess (KQL compares keys case-sensitively). */
    unsureKeys: string[];
    /** Computed columns the expression reads (appwatch's derived fields). */
    deps?: readonly string[];
    /** The expression itself is an array (a computed list). */
    isArray?: boolean;
    /** The expression is already one element of the array at `key`. */
    expanded?: boolean;
  }
  | { k: 'constant'; value: unknown; canonical: string }
  | { k: 'absent'; reason: string }
  /** A derived field KQL cannot compute faithfully (the reason says why). */
  | { k: 'unsupported'; reason: string }
  /** `appwatch.flags`: tested flag by flag. */
  | { k: 'flags' };

/** Default of a flattened AzureDiagnostics column that no record has written yet, by its type suffix. */
function flattenedColumn(name: string): { expr: string; type: ColumnType } {
  if (name.endsWith('_d')) return { expr: `column_ifexists(${kqlString(name)}, real(null))`, type: 'real' };
  if (name.endsWith('_b')) return { expr: `column_ifexists(${kqlString(name)}, bool(null))`, type: 'bool' };
  return { expr: `column_ifexists(${kqlString(name)}, "")`, type: 'string' };
}

/** Path segments in the casing the logs use where known, and those whose casing is a guess. */
export function recase(rest: readonly string[]): { segments: string[]; unsureKeys: string[] } {
  const unsureKeys: string[] = [];
  const segments = rest.map((s) => {
    const known = knownKey(s);
    if (!known) unsureKeys.push(s);
    return known ?? s;
  });
  return { segments, unsureKeys };
}

function column(table: TableInfo, name: string, rest: string[]): Location | undefined {
  const col = table.columns.get(name.toLowerCase());
  if (!col) return undefined;
  const reparse = table.reparse.has(col.name.toLowerCase());
  const expr = reparse ? `parse_json(tostring(${kqlName(col.name)}))` : kqlName(col.name);
  return { k: 'node', expr, type: reparse ? 'dynamic' : col.type, key: col.name.toLowerCase(), ...recase(rest) };
}

function locateCanonical(table: TableInfo, path: string): Location | undefined {
  const lower = path.toLowerCase();
  if (table.constants.has(lower)) return { k: 'constant', value: table.constants.get(lower), canonical: path };
  const flat = table.flattened.get(lower);
  if (flat) {
    const { expr, type } = flattenedColumn(flat);
    return { k: 'node', expr, type, key: flat.toLowerCase(), segments: [], unsureKeys: [] };
  }
  const segments = path.split('.');
  for (let n = segments.length; n > 0; n--) {
    const mapped = table.mapping.get(segments.slice(0, n).join('.').toLowerCase());
    if (mapped) return column(table, mapped, segments.slice(n));
  }
  return column(table, segments[0]!, segments.slice(1));
}

/** The field's place in the table, trying the names the scan engine would try, in its order. */
export function locate(table: TableInfo, field: string): Location {
  const candidates = candidatePaths(table.kind, field).filter((p) => !p.toLowerCase().startsWith('appwatch.extra.'));
  for (const path of candidates) {
    const found = locateCanonical(table, path);
    if (found) return found;
  }
  if (table.name === 'AzureDiagnostics' && /^(properties|identity)\./i.test(candidates[0] ?? field)) {
    return { k: 'absent', reason: `${field} is one of the Key Vault properties AzureDiagnostics flattens into type-suffixed columns whose names appwatch does not know` };
  }
  return { k: 'absent', reason: `${table.name} has no column for ${field}` };
}

/**
 * @module ingest/framing/unwrap
 * The envelopes records travel in: Azure Monitor `{"records":[…]}`, Microsoft Graph pages `{"value":[…]}`,
 * Log Analytics query results `{"tables":[{columns, rows}]}`, and bare arrays.
 */
import type { Framed } from '../types.js';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether an object is a page of results: a `value` array and nothing but paging annotations beside it
 * (Graph's `@odata.*`, the Azure Monitor REST API's `nextLink`).
 */
export function isGraphPage(value: Json): boolean {
  if (!Array.isArray(value.value)) return false;
  for (const key of Object.keys(value)) if (key !== 'value' && key !== 'nextLink' && !key.startsWith('@odata.')) return false;
  return true;
}

/** Log Analytics query API result: rows as arrays with the column list beside them. */
function logAnalyticsRows(value: Json): Json[] | undefined {
  const tables = value.tables;
  if (!Array.isArray(tables) || Object.keys(value).length > 2) return undefined;
  const rows: Json[] = [];
  for (const table of tables) {
    if (!isObject(table) || !Array.isArray(table.columns) || !Array.isArray(table.rows)) return undefined;
    const names = table.columns.map((c) => (isObject(c) ? String(c.name ?? c.ColumnName ?? '') : String(c)));
    for (const row of table.rows) {
      if (!Array.isArray(row)) continue;
      const record: Json = {};
      names.forEach((name, i) => {
        record[name] = row[i];
      });
      rows.push(record);
    }
  }
  return rows;
}

/**
 * Pushes the records inside one parsed JSON value: the elements of a records/value/tables envelope or of an
 * array (with their `index`), or the value itself.
 */
export function unwrapInto(
  value: unknown,
  line: number | undefined,
  offset: number | undefined,
  out: Framed[],
  repaired?: 'trailing-comma',
): void {
  let items: unknown[] | undefined;
  if (Array.isArray(value)) items = value;
  else if (isObject(value)) {
    if (Array.isArray(value.records)) items = value.records;
    else if (isGraphPage(value)) items = value.value as unknown[];
    else items = logAnalyticsRows(value);
  }
  if (!items) {
    out.push({ record: { value, line, offset, ...(repaired ? { repaired } : {}) } });
    return;
  }
  for (let index = 0; index < items.length; index++) {
    out.push({ record: { value: items[index], line, offset, index, ...(repaired ? { repaired } : {}) } });
  }
}

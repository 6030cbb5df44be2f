/**
 * @module enrich/audit-properties
 * Reading directory-audit modified properties as values: Entra writes them as JSON-encoded strings
 * (`"\"Mail.Read\""`, `"[\"…\"]"`), so they are decoded once here.
 */
import type { CanonicalEvent } from '../model/event.js';

type Json = Record<string, unknown>;

export interface ModifiedProperty {
  target: Json;
  name: string;
  oldValue: unknown;
  newValue: unknown;
}

/** Decodes a modified-property value: JSON text becomes its value (repeatedly: some are encoded twice). */
export function decodeValue(value: unknown): unknown {
  let v = value;
  for (let i = 0; i < 3 && typeof v === 'string'; i++) {
    const t = v.trim();
    if (!(t.startsWith('"') || t.startsWith('[') || t.startsWith('{'))) break;
    try {
      v = JSON.parse(t);
    } catch {
      break;
    }
  }
  return v;
}

/** Every modified property of every target, with the target it belongs to. */
export function modifiedProperties(event: CanonicalEvent): ModifiedProperty[] {
  const out: ModifiedProperty[] = [];
  const targets = Array.isArray(event.targetResources) ? event.targetResources : [];
  for (const t of targets) {
    if (!t || typeof t !== 'object') continue;
    const target = t as Json;
    const props = Array.isArray(target.modifiedProperties) ? target.modifiedProperties : [];
    for (const p of props) {
      if (!p || typeof p !== 'object') continue;
      const prop = p as Json;
      out.push({ target, name: String(prop.displayName ?? ''), oldValue: decodeValue(prop.oldValue), newValue: decodeValue(prop.newValue) });
    }
  }
  return out;
}

export function property(event: CanonicalEvent, name: string): ModifiedProperty | undefined {
  const lower = name.toLowerCase();
  return modifiedProperties(event).find((p) => p.name.toLowerCase() === lower);
}

/** A decoded value as text (a one-element list becomes its element). */
export function textOf(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.length === 1 ? textOf(value[0]) : undefined;
  if (value === null || value === undefined) return undefined;
  return typeof value === 'string' ? value : String(value);
}

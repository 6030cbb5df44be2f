/**
 * @module ingest/framing/lenient-json
 * Microsoft's own Graph documentation examples carry trailing commas (`{"a": 1,}`), and people save them as
 * test data. Such a record is read after removing the commas, and counted as repaired so the summary says so.
 */

/** Removes commas that stand before a closing brace or bracket, outside strings. */
export function stripTrailingCommas(text: string): string {
  let out = '';
  let inString = false;
  let escape = false;
  let pendingComma = -1; // index in `out` of a comma that may be trailing
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (escape) escape = false;
      else if (c === '\\') escape = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      pendingComma = -1;
    } else if (c === '}' || c === ']') {
      if (pendingComma !== -1) out = out.slice(0, pendingComma) + out.slice(pendingComma + 1);
      pendingComma = -1;
    } else if (c === ',') {
      pendingComma = out.length;
    } else if (c !== ' ' && c !== '\n' && c !== '\r' && c !== '\t') {
      pendingComma = -1;
    }
    out += c;
  }
  return out;
}

/** `JSON.parse`, or for text that is valid but for trailing commas, the repaired parse. */
export function parseJsonRecord(text: string): { value: unknown; repaired?: 'trailing-comma' } {
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    if (!text.includes(',')) throw error;
    const repaired = stripTrailingCommas(text);
    if (repaired === text) throw error;
    try {
      return { value: JSON.parse(repaired), repaired: 'trailing-comma' };
    } catch {
      throw error;
    }
  }
}

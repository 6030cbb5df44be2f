/**
 * @module detect/value-transforms
 * The value-transform modifiers: each rewrites a rule value into one or more values before comparison.
 * `base64offset` gives the three encodings of a value at every byte alignment (for use with `contains`).
 */
import { SigmaError } from '../sigma/diagnostics.js';
import type { SigmaScalar } from '../sigma/types.js';

/** Placeholder values, by name without the `%` signs (from configuration). */
export type Placeholders = Readonly<Record<string, readonly string[]>>;

const DASHES = ['-', '/', '\u2013', '\u2014', '\u2015'];

/** Every combination of dash characters at each option position (`-foo` also as `/foo`, `–foo`, …). */
function windash(value: string): string[] {
  const positions: number[] = [];
  const re = /(?<![\w])[-/](?=\w)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(value))) positions.push(m.index);
  if (positions.length === 0) return [value];
  if (positions.length > 6) throw new SigmaError('APPW-E007', `windash on a value with ${positions.length} dashes would give ${DASHES.length ** positions.length} variants; split the value`);
  let variants = [''];
  let last = 0;
  for (const p of positions) {
    const between = value.slice(last, p);
    variants = variants.flatMap((v) => DASHES.map((d) => v + between + d));
    last = p + 1;
  }
  return variants.map((v) => v + value.slice(last));
}

function utf16(value: string, endian: 'le' | 'be', bom: boolean): Buffer {
  const le = Buffer.from(value, 'utf16le');
  const body = endian === 'le' ? le : Buffer.from(le).swap16();
  if (!bom) return body;
  return Buffer.concat([Buffer.from(endian === 'le' ? [0xff, 0xfe] : [0xfe, 0xff]), body]);
}

/** Base64 of the value at the three byte alignments, trimmed to the characters that do not depend on neighbours. */
function base64offset(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
    const encoded = padded.toString('base64');
    const start = [0, 2, 3][shift]!;
    const endTrim = [0, 3, 2][(bytes.length + shift) % 3]!;
    out.push(encoded.slice(start, encoded.length - endTrim).replace(/=+$/, ''));
  }
  return out;
}

/**
 * Applies transforms to one rule value. Returns the variants (an OR group). Encodings work on the bytes
 * produced so far: `utf16le|base64offset` encodes the UTF-16 bytes.
 */
export function transformValue(value: SigmaScalar, transforms: readonly string[], placeholders: Placeholders): SigmaScalar[] {
  let variants: { text: SigmaScalar; bytes?: Buffer }[] = [{ text: value }];
  for (const t of transforms) {
    variants = variants.flatMap(({ text, bytes }): { text: SigmaScalar; bytes?: Buffer }[] => {
      if (t === 'expand') {
        if (typeof text !== 'string') return [{ text }];
        return expandPlaceholders(text, placeholders).map((v) => ({ text: v }));
      }
      if (typeof text !== 'string') throw new SigmaError('APPW-E007', `${t} needs a string value, not ${JSON.stringify(text)}`);
      const raw = bytes ?? Buffer.from(text, 'utf8');
      switch (t) {
        case 'windash': return windash(text).map((v) => ({ text: v }));
        case 'utf16le': case 'wide': { const b = utf16(text, 'le', false); return [{ text: b.toString('latin1'), bytes: b }]; }
        case 'utf16be': { const b = utf16(text, 'be', false); return [{ text: b.toString('latin1'), bytes: b }]; }
        case 'utf16': { const b = utf16(text, 'le', true); return [{ text: b.toString('latin1'), bytes: b }]; }
        case 'base64': return [{ text: raw.toString('base64') }];
        case 'base64offset': return base64offset(raw).map((v) => ({ text: v }));
        default: return [{ text }];
      }
    });
  }
  return variants.map((v) => v.text);
}

/** `%name%` → the configured values (a value may hold several placeholders); `\%` is a literal percent. */
export function expandPlaceholders(text: string, placeholders: Placeholders): string[] {
  const names = [...text.matchAll(/(?<!\\)%([^%\s]+)%/g)].map((m) => m[1]!);
  if (names.length === 0) return [text.replace(/\\%/g, '%')];
  let results = [text];
  for (const name of names) {
    const values = placeholders[name] ?? placeholders[name.toLowerCase()];
    if (!values || values.length === 0) {
      throw new SigmaError('APPW-E008', `placeholder %${name}% has no values: give them under sigma.placeholders.${name} in appwatch.yaml (or --placeholder ${name}=value)`);
    }
    results = results.flatMap((r) => values.map((v) => r.replace(`%${name}%`, v)));
  }
  return results.map((r) => r.replace(/\\%/g, '%'));
}

/**
 * @module model/time
 * Parses the time formats Microsoft logs use into `appwatch.time` (ISO-8601 UTC with milliseconds).
 *
 * Times without a zone are UTC: every Microsoft log and download writes UTC, and reading them as local time
 * would shift events by the analyst's offset.
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
// Culture-specific renderings seen after a download is re-saved, and the Log Analytics portal's CSV export:
// en-US `10/1/2026, 9:15:02.123 AM`, fr-FR `01/10/2026 09:15:02`, de-DE `01.10.2026 09:15:02`.
const SLASHED = /^(\d{1,2})([/.])(\d{1,2})\2(\d{4}),?\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(AM|PM)?$/i;

/** Converts a time value to `YYYY-MM-DDTHH:mm:ss.sssZ`, or returns undefined when it is not a time. */
export function toIsoUtc(value: unknown): string | undefined {
  if (typeof value === 'number') return fromEpoch(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (typeof value !== 'string') return undefined;
  const fast = fastIsoUtc(value);
  if (fast !== undefined) return fast;
  const text = value.trim();
  const iso = ISO.exec(text);
  if (iso) return fromParts(iso[1], iso[2], iso[3], iso[4], iso[5], iso[6], iso[7], iso[8]);
  const slashed = SLASHED.exec(text);
  if (slashed) return fromSlashed(slashed);
  if (/^\d{10}(\d{3})?$/.test(text)) return fromEpoch(Number(text));
  return undefined;
}

const DIGIT = (c: number): boolean => c >= 48 && c <= 57;

/**
 * The common case, `YYYY-MM-DDTHH:MM:SS[.f…]Z` (Entra, Graph, exports), by slicing: no Date round trip.
 * Returns undefined for anything else, which the general parser then handles.
 */
function fastIsoUtc(s: string): string | undefined {
  let n = s.length;
  // `+00:00` is UTC too (diagnostic exports write it).
  if (n >= 25 && s.endsWith('+00:00')) n -= 5;
  else if (n < 20 || s.charCodeAt(n - 1) !== 90 /* Z */) return undefined;
  if (s.charCodeAt(10) !== 84 /* T */) return undefined;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return undefined;
  for (const i of [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]) if (!DIGIT(s.charCodeAt(i))) return undefined;
  const month = (s.charCodeAt(5) - 48) * 10 + s.charCodeAt(6) - 48;
  const day = (s.charCodeAt(8) - 48) * 10 + s.charCodeAt(9) - 48;
  const hour = (s.charCodeAt(11) - 48) * 10 + s.charCodeAt(12) - 48;
  const minute = (s.charCodeAt(14) - 48) * 10 + s.charCodeAt(15) - 48;
  const second = (s.charCodeAt(17) - 48) * 10 + s.charCodeAt(18) - 48;
  if (month < 1 || month > 12 || day < 1 || day > 28 || hour > 23 || minute > 59 || second > 59) return undefined; // days 29–31: general path checks the month
  if (n === 20) return `${s.slice(0, 19)}.000Z`;
  if (s.charCodeAt(19) !== 46 /* . */) return undefined;
  for (let i = 20; i < n - 1; i++) if (!DIGIT(s.charCodeAt(i))) return undefined;
  const fraction = s.slice(20, Math.min(23, n - 1)).padEnd(3, '0');
  if (fraction.length !== 3 || n - 1 === 20) return undefined;
  return `${s.slice(0, 19)}.${fraction}Z`;
}

function fromEpoch(n: number): string | undefined {
  if (!Number.isFinite(n)) return undefined;
  // Seconds (10 digits) or milliseconds (13 digits) since the epoch.
  const ms = Math.abs(n) < 1e11 ? n * 1000 : n;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function fromParts(
  y?: string, mo?: string, d?: string, h?: string, mi?: string, s?: string, frac?: string, zone?: string,
): string | undefined {
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s ?? '0'].map(Number) as number[];
  if (!(month! >= 1 && month! <= 12 && day! >= 1 && day! <= 31 && hour! <= 23 && minute! <= 59 && second! <= 60)) {
    return undefined;
  }
  const ms = frac ? Number((frac + '00').slice(0, 3)) : 0;
  let t = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!, ms);
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  const date = new Date(t);
  return Number.isNaN(t) ? undefined : date.toISOString();
}

function fromSlashed(m: RegExpExecArray): string | undefined {
  const [, a, sep, b, y, h, mi, s, frac, ampm] = m;
  // AM/PM marks the en-US month-first order; otherwise day-first (fr-FR, de-DE, en-GB).
  const monthFirst = Boolean(ampm) && sep === '/';
  const month = monthFirst ? a : b;
  const day = monthFirst ? b : a;
  let hour = Number(h);
  if (ampm) {
    if (hour === 12) hour = 0;
    if (ampm.toUpperCase() === 'PM') hour += 12;
  }
  if (Number(month) > 12 || Number(day) > 31) return undefined;
  return fromParts(y, month, day, String(hour), mi, s, frac, 'Z');
}

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
  const text = value.trim();
  const iso = ISO.exec(text);
  if (iso) return fromParts(iso[1], iso[2], iso[3], iso[4], iso[5], iso[6], iso[7], iso[8]);
  const slashed = SLASHED.exec(text);
  if (slashed) return fromSlashed(slashed);
  if (/^\d{10}(\d{3})?$/.test(text)) return fromEpoch(Number(text));
  return undefined;
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
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), ms);
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

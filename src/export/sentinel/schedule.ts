/**
 * @module export/sentinel/schedule
 * How often a rule runs and how far back it looks. A single-event rule: every hour over the last hour. A
 * "never seen before" rule: every hour (its own judged window) over its 14-day lookback. A correlation: over
 * its timespan plus one run interval, so a window that closes during the interval is seen whole; every
 * timespan (at least 5 minutes) up to hourly.
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface Schedule {
  frequencyMs: number;
  periodMs: number;
}

export function scheduleOf(query: { kind: 'rule' | 'correlation'; periodMs?: number; recentMs?: number }): Schedule {
  if (query.kind === 'rule') {
    if (query.periodMs !== undefined && query.recentMs !== undefined) return { frequencyMs: query.recentMs, periodMs: query.periodMs };
    return { frequencyMs: HOUR, periodMs: HOUR };
  }
  const timespan = query.periodMs ?? HOUR;
  const frequencyMs = timespan <= HOUR ? Math.max(Math.ceil(timespan / MINUTE) * MINUTE, 5 * MINUTE) : HOUR;
  return { frequencyMs, periodMs: Math.ceil((timespan + frequencyMs) / MINUTE) * MINUTE };
}

/** The YAML form: `<n>m`, `<n>h` or `<n>d`. */
export function yamlDuration(ms: number): string {
  if (ms % DAY === 0) return `${ms / DAY}d`;
  if (ms % HOUR === 0) return `${ms / HOUR}h`;
  return `${Math.round(ms / MINUTE)}m`;
}

/** ISO 8601 (ARM): PT5M, PT1H, P1D, P2DT1H. */
export function isoDuration(ms: number): string {
  const days = Math.floor(ms / DAY);
  const hours = Math.floor((ms % DAY) / HOUR);
  const minutes = Math.round((ms % HOUR) / MINUTE);
  const time = `${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}`;
  return `P${days ? `${days}D` : ''}${time ? `T${time}` : ''}` || 'PT0M';
}

/** Parses the YAML form (or hh:mm:ss) back to milliseconds; undefined when it is neither. */
export function parseYamlDuration(text: string): number | undefined {
  const short = /^(\d+)([mhd])$/.exec(text);
  if (short) return Number(short[1]) * { m: MINUTE, h: HOUR, d: DAY }[short[2] as 'm' | 'h' | 'd'];
  const clock = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(text);
  if (clock) return Number(clock[1] ?? 0) * DAY + Number(clock[2]) * HOUR + Number(clock[3]) * MINUTE + Number(clock[4]) * 1000;
  return undefined;
}

/** Parses an ISO 8601 duration of days, hours, minutes and seconds. */
export function parseIsoDuration(text: string): number | undefined {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return undefined;
  return Number(m[1] ?? 0) * DAY + Number(m[2] ?? 0) * HOUR + Number(m[3] ?? 0) * MINUTE + Number(m[4] ?? 0) * 1000;
}

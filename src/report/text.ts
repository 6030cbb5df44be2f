/**
 * @module report/text
 * Making attacker-controlled text visible and safe, shared by the report writer (server side, HTML strings) and the
 * report's browser code (Preact text nodes). Pure string functions: no DOM, no Node.
 *
 * Names in Entra logs are chosen by whoever registers an app or edits a user, so they may hide characters: bidi
 * controls that reorder what is shown (an app called "Payroll‮lmth.exe"), zero-width characters that make two
 * names look alike, terminal escapes. The report shows each of them as a visible marker (⟦U+202E⟧) instead.
 */

/** Why a code point is made visible. */
export type HiddenKind = 'bidi' | 'invisible' | 'control' | 'separator' | 'tag';

export interface HiddenChar { code: string; name: string; kind: HiddenKind }

/** A piece of text: plain, or one hidden character to show as a marker. */
export type Segment = { text: string } | { hidden: HiddenChar; raw: string };

const NAMES: Record<number, [string, HiddenKind]> = {
  0x061c: ['ARABIC LETTER MARK', 'bidi'],
  0x200e: ['LEFT-TO-RIGHT MARK', 'bidi'],
  0x200f: ['RIGHT-TO-LEFT MARK', 'bidi'],
  0x202a: ['LEFT-TO-RIGHT EMBEDDING', 'bidi'],
  0x202b: ['RIGHT-TO-LEFT EMBEDDING', 'bidi'],
  0x202c: ['POP DIRECTIONAL FORMATTING', 'bidi'],
  0x202d: ['LEFT-TO-RIGHT OVERRIDE', 'bidi'],
  0x202e: ['RIGHT-TO-LEFT OVERRIDE', 'bidi'],
  0x2066: ['LEFT-TO-RIGHT ISOLATE', 'bidi'],
  0x2067: ['RIGHT-TO-LEFT ISOLATE', 'bidi'],
  0x2068: ['FIRST STRONG ISOLATE', 'bidi'],
  0x2069: ['POP DIRECTIONAL ISOLATE', 'bidi'],
  0x00ad: ['SOFT HYPHEN', 'invisible'],
  0x034f: ['COMBINING GRAPHEME JOINER', 'invisible'],
  0x115f: ['HANGUL CHOSEONG FILLER', 'invisible'],
  0x1160: ['HANGUL JUNGSEONG FILLER', 'invisible'],
  0x180e: ['MONGOLIAN VOWEL SEPARATOR', 'invisible'],
  0x200b: ['ZERO WIDTH SPACE', 'invisible'],
  0x200c: ['ZERO WIDTH NON-JOINER', 'invisible'],
  0x200d: ['ZERO WIDTH JOINER', 'invisible'],
  0x2060: ['WORD JOINER', 'invisible'],
  0x2061: ['FUNCTION APPLICATION', 'invisible'],
  0x2062: ['INVISIBLE TIMES', 'invisible'],
  0x2063: ['INVISIBLE SEPARATOR', 'invisible'],
  0x2064: ['INVISIBLE PLUS', 'invisible'],
  0x3164: ['HANGUL FILLER', 'invisible'],
  0xfeff: ['ZERO WIDTH NO-BREAK SPACE', 'invisible'],
  0xffa0: ['HALFWIDTH HANGUL FILLER', 'invisible'],
  0x2028: ['LINE SEPARATOR', 'separator'],
  0x2029: ['PARAGRAPH SEPARATOR', 'separator'],
  0x001b: ['ESCAPE', 'control'],
  0x007f: ['DELETE', 'control'],
};

// Everything NAMES lists, C0 and C1 controls, and the tag characters (U+E0000–E007F, invisible "ASCII smuggling").
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2064\u2066-\u2069\u3164\ufeff\uffa0]|\udb40[\udc00-\udc7f]/g;

function describe(cp: number): HiddenChar {
  const code = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  const known = NAMES[cp];
  if (known) return { code, name: known[0], kind: known[1] };
  if (cp >= 0xe0000) return { code, name: 'TAG CHARACTER', kind: 'tag' };
  return { code, name: 'CONTROL CHARACTER', kind: 'control' };
}

export interface VisibleOptions {
  /** Keep newlines and tabs as they are (multi-line values shown in <pre>); otherwise they are marked too. */
  multiline?: boolean;
}

/** Splits text into plain runs and hidden characters, in order. */
export function segments(text: string, options: VisibleOptions = {}): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const m of text.matchAll(HIDDEN)) {
    const raw = m[0];
    if (options.multiline && (raw === '\n' || raw === '\t')) continue;
    const at = m.index ?? 0;
    if (at > last) out.push({ text: text.slice(last, at) });
    out.push({ hidden: describe(raw.codePointAt(0) ?? 0), raw });
    last = at + raw.length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}

/** The marker shown in place of a hidden character. */
export const marker = (h: HiddenChar): string => `⟦${h.code}⟧`;

/** Text with each hidden character replaced by its marker (for titles, charts, copied cells). */
export function visibleString(text: string, options: VisibleOptions = {}): string {
  return segments(text, options).map((s) => ('text' in s ? s.text : marker(s.hidden))).join('');
}

/** Whether text holds characters the report marks (a badge says so beside a name). */
export function hasHidden(text: string, options: VisibleOptions = {}): boolean {
  return segments(text, options).some((s) => 'hidden' in s);
}

/** Escapes text for HTML content and double-quoted attribute values (server side only). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Escaped HTML for text, hidden characters as marker spans with their name in a title (server side only). */
export function visibleHtml(text: string, options: VisibleOptions = {}): string {
  return segments(text, options)
    .map((s) => ('text' in s ? escapeHtml(s.text) : `<span class="hidden-char" title="${escapeHtml(`${s.hidden.name} (${s.hidden.kind})`)}">${escapeHtml(marker(s.hidden))}</span>`))
    .join('');
}

/** Shortens text for a cell, with a visible ellipsis (the full text stays in the detail pane). */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** A spreadsheet cell that never starts a formula (=, +, -, @, tab, CR get a leading apostrophe). */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isGuid = (value: unknown): value is string => typeof value === 'string' && GUID.test(value);

/**
 * Links into the Microsoft Entra admin center, only from these fixed templates and only with validated GUIDs:
 * nothing from a log reaches an href except a GUID.
 */
export function entraAppLink(appId: unknown): string | undefined {
  return isGuid(appId) ? `https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/Overview/appId/${appId.toLowerCase()}` : undefined;
}

export function entraEnterpriseAppLink(servicePrincipalId: unknown, appId: unknown): string | undefined {
  return isGuid(servicePrincipalId) && isGuid(appId)
    ? `https://entra.microsoft.com/#view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/Overview/objectId/${servicePrincipalId.toLowerCase()}/appId/${appId.toLowerCase()}`
    : undefined;
}

export function entraUserLink(userId: unknown): string | undefined {
  return isGuid(userId) ? `https://entra.microsoft.com/#view/Microsoft_AAD_UsersAndTenants/UserProfileMenuBlade/~/overview/userId/${userId.toLowerCase()}` : undefined;
}

/**
 * A reference from a rule file (operator-controlled, not log content) may be a link when it is a plain https URL:
 * no credentials, no control or space characters, no hidden characters. Anything else is shown as text.
 */
export function safeReferenceUrl(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 2048 || /\s/.test(value) || hasHidden(value)) return undefined;
  if (!/^https:\/\//i.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || url.hostname === '') return undefined;
  return url.href;
}

/** Whether a value looks like a URL or URI (from a log: shown as text with a copy button, never as a link). */
export const looksLikeUrl = (value: string): boolean => /^[a-z][a-z0-9+.-]{1,20}:/i.test(value.trim());

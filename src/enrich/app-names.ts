/**
 * @module enrich/app-names
 * Names that should make an analyst look twice: generic ones ("Test", "App", "Mail") and look-alikes of
 * Microsoft first-party applications ("Micros0ft Teams", "0ffice 365", Cyrillic letters), compared after
 * folding confusable characters and by edit distance. Apps that are Microsoft's own (by appId) are flagged
 * as such instead: benign automation should not alert high.
 */
import { readFileSync } from 'node:fs';

const GENERIC = new Set(['test', 'testapp', 'test app', 'app', 'application', 'mail', 'mail app', 'demo', 'my app', 'myapp', 'new app', 'office',
  'outlook', 'microsoft', 'azure', 'admin', 'security', 'update', 'teams', 'sharepoint', 'onedrive', 'graph', 'api', 'client', 'sync']);

/** Characters that pass for others: digits, Cyrillic and Greek letters, ligature tricks. */
const CONFUSABLES: Record<string, string> = {
  '0': 'o', '1': 'l', '3': 'e', '4': 'a', '5': 's', '7': 't', '$': 's', '@': 'a', '|': 'l', '!': 'i',
  'а': 'a', 'е': 'e', 'о': 'o', 'р': 'p', 'с': 'c', 'х': 'x', 'у': 'y', 'і': 'i', 'ј': 'j', 'ѕ': 's', 'ԁ': 'd', 'ɡ': 'g', 'ո': 'n', 'ⅼ': 'l',
  'α': 'a', 'ο': 'o', 'ν': 'v', 'τ': 't', 'ι': 'i', 'κ': 'k',
};

/** Lower case, confusables folded, `rn`→`m`, `vv`→`w`, I→l, only letters and digits kept. */
export function foldName(name: string): string {
  let out = '';
  for (const ch of name.normalize('NFKC')) {
    const c = ch === 'I' ? 'l' : ch.toLowerCase();
    out += CONFUSABLES[c] ?? c;
  }
  return out.replace(/rn/g, 'm').replace(/vv/g, 'w').replace(/[^a-z0-9]/g, '');
}

function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      best = Math.min(best, cur[j]!);
    }
    if (best > limit) return limit + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

interface Catalogue {
  byAppId: Map<string, string>;
  byFolded: Map<string, string>;
  /** Well-known folded names by length, for the edit-distance comparison. */
  byLength: Map<number, [string, string][]>;
}

let catalogue: Catalogue | undefined;

function load(): Catalogue {
  if (catalogue) return catalogue;
  const data = JSON.parse(readFileSync(new URL('../../catalogues/entra/first-party-apps.json', import.meta.url), 'utf8')) as { apps: { appId: string; displayName: string }[] };
  const byAppId = new Map(data.apps.map((a) => [a.appId, a.displayName]));
  const byFolded = new Map<string, string>();
  for (const a of data.apps) if (a.displayName) byFolded.set(foldName(a.displayName), a.displayName);
  // Look-alikes are judged against the well-known names only (long enough to be worth imitating).
  const byLength = new Map<number, [string, string][]>();
  for (const entry of byFolded) {
    if (entry[0].length < 8) continue;
    const list = byLength.get(entry[0].length) ?? [];
    list.push(entry);
    byLength.set(entry[0].length, list);
  }
  return (catalogue = { byAppId, byFolded, byLength });
}

export function isFirstParty(appId: string | undefined): string | undefined {
  return appId ? load().byAppId.get(appId.toLowerCase()) : undefined;
}

const verdicts = new Map<string, string[]>();

/** Flags for an application name: generic-app-name, lookalike-app-name (with the name it imitates). */
const BRANDS = ['microsoft', 'office', 'outlook', 'azure', 'onedrive', 'sharepoint', 'teams'];

export function nameFlags(name: string): { flags: string[]; imitates?: string } {
  const key = name;
  const cached = verdicts.get(key);
  if (cached) return { flags: cached.slice(0, cached.length - 1), ...(cached[cached.length - 1] ? { imitates: cached[cached.length - 1] } : {}) };
  const flags: string[] = [];
  let imitates: string | undefined;
  const trimmed = name.trim().toLowerCase();
  if (GENERIC.has(trimmed)) flags.push('generic-app-name');
  const folded = foldName(name);
  const { byFolded, byLength } = load();
  const exact = byFolded.get(folded);
  if (exact && exact !== name.trim()) {
    imitates = exact;
  } else if (!exact && folded.length >= 8) {
    // Only names of a near length that share the first or the last letter: look-alikes keep the shape of the
    // name they imitate, and this keeps the comparison to a few dozen candidates.
    const limit = folded.length >= 12 ? 2 : 1;
    search: for (let len = folded.length - limit; len <= folded.length + limit; len++) {
      for (const [f, original] of byLength.get(len) ?? []) {
        if (f[0] !== folded[0] && f[f.length - 1] !== folded[folded.length - 1]) continue;
        if (distance(folded, f, limit) <= limit) {
          imitates = original;
          break search;
        }
      }
    }
  }
  // Brand words spelled with confusables ("Micros0ft Mail Helper", "Microsoft 0utlook Sync"): a brand the
  // folded name holds more often than the name as written.
  if (!imitates) {
    const plain = trimmed.replace(/[^a-z0-9]+/g, '');
    const count = (text: string, word: string): number => text.split(word).length - 1;
    const brand = BRANDS.find((b) => count(folded, b) > count(plain, b));
    if (brand) imitates = 'a Microsoft brand name';
  }
  if (imitates) flags.push('lookalike-app-name');
  verdicts.set(key, [...flags, imitates ?? '']);
  if (verdicts.size > 10_000) verdicts.clear();
  return { flags, ...(imitates ? { imitates } : {}) };
}

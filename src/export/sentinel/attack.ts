/**
 * @module export/sentinel/attack
 * ATT&CK tactics and techniques of a Sigma rule (its `attack.*` tags) as Sentinel wants them: tactic names
 * without spaces, and every technique's tactics listed (the Azure-Sentinel CI requires all of them, per its
 * technique map in catalogues/kql/sentinel-attack.json). A technique that map does not know fails that CI, so
 * it is left out and said so.
 */
import { readFileSync } from 'node:fs';

interface AttackFile {
  tactics: Record<string, string>;
  techniques: Record<string, string[]>;
}

let data: AttackFile | undefined;

export function attackData(): AttackFile {
  data ??= JSON.parse(readFileSync(new URL('../../../catalogues/kql/sentinel-attack.json', import.meta.url), 'utf8')) as AttackFile;
  return data;
}

export const TACTIC_ORDER = ['Reconnaissance', 'ResourceDevelopment', 'InitialAccess', 'Execution', 'Persistence', 'PrivilegeEscalation', 'DefenseEvasion',
  'CredentialAccess', 'Discovery', 'LateralMovement', 'Collection', 'CommandAndControl', 'Exfiltration', 'Impact'];

export interface Attack {
  tactics: string[];
  /** As tagged: T#### or T####.### (YAML relevantTechniques). */
  techniques: string[];
  /** Techniques left out, with why. */
  dropped: string[];
}

export function attackOf(tags: readonly string[]): Attack {
  const { tactics: names, techniques: map } = attackData();
  const tactics = new Set<string>();
  const techniques: string[] = [];
  const dropped: string[] = [];
  for (const tag of tags) {
    const t = tag.toLowerCase();
    if (!t.startsWith('attack.')) continue;
    const rest = t.slice('attack.'.length);
    const technique = /^t(\d{4})(?:\.(\d{3}))?$/.exec(rest);
    if (technique) {
      const id = `T${technique[1]}${technique[2] ? `.${technique[2]}` : ''}`;
      const known = map[`T${technique[1]}`];
      if (!known) dropped.push(`${id} (not in the Azure-Sentinel technique map)`);
      else {
        if (!techniques.includes(id)) techniques.push(id);
        for (const k of known) tactics.add(k);
      }
    } else if (names[rest]) tactics.add(names[rest]!);
  }
  return { tactics: TACTIC_ORDER.filter((x) => tactics.has(x)), techniques, dropped };
}

/**
 * Every built-in rule has positive and negative fixtures next to it (`<rule>.positive.jsonl`,
 * `<rule>.negative.jsonl`, records in real log shapes): each positive record raises the rule, no negative one
 * does, and no built-in rule fires on another rule's negatives by accident of this one.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_RULES_DIR } from '../../src/cli/rules-loading.js';
import { Ruleset } from '../../src/detect/ruleset.js';
import { loadRules } from '../../src/sigma/load.js';
import { ROOT, readAll } from '../helpers/ingest.js';

function ruleFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? ruleFiles(join(dir, e.name)) : e.name.endsWith('.yml') ? [join(dir, e.name)] : []);
}

const files = ruleFiles(BUILTIN_RULES_DIR);

describe('built-in rules', () => {
  let ruleset: Ruleset;
  beforeAll(async () => {
    const loaded = await loadRules([BUILTIN_RULES_DIR]);
    expect(loaded.diagnostics).toEqual([]);
    ruleset = new Ruleset(loaded.documents.map((document) => ({ document, source: 'builtin' as const })), { placeholders: {} });
  });

  it('each rule is active, names its guide rows, its ATT&CK tags and what to check', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const rule of ruleset.rules) {
      expect(rule.predicate, rule.rule.title).toBeDefined();
      expect(rule.routing.inactive, rule.rule.title).toBeUndefined();
      expect(rule.rule.tags.some((t) => /^appwatch\.guide-row\.\d+$/.test(t)), rule.rule.title).toBe(true);
      expect(rule.rule.tags.some((t) => /^attack\.t\d{4}/.test(t)), rule.rule.title).toBe(true);
      expect(Array.isArray(rule.rule.raw.check) && (rule.rule.raw.check as unknown[]).length > 0, rule.rule.title).toBe(true);
      expect(rule.rule.author).toBe('appwatch');
    }
  });

  for (const file of files) {
    const base = file.replace(/\.yml$/, '');
    const name = relative(ROOT, file);
    it(`${name}: positives raise it, negatives do not`, async () => {
      expect(existsSync(`${base}.positive.jsonl`), `${base}.positive.jsonl`).toBe(true);
      expect(existsSync(`${base}.negative.jsonl`), `${base}.negative.jsonl`).toBe(true);
      const id = ruleset.rules.find((r) => r.rule.location.file === file)!.rule.id;
      const positives = (await readAll([`${base}.positive.jsonl`])).events;
      const negatives = (await readAll([`${base}.negative.jsonl`])).events;
      expect(positives.length).toBeGreaterThan(0);
      expect(negatives.length).toBeGreaterThan(0);
      positives.forEach((event, i) => expect(ruleset.match(event).map((m) => m.rule.rule.id), `positive ${i + 1}`).toContain(id));
      negatives.forEach((event, i) => expect(ruleset.match(event).map((m) => m.rule.rule.id), `negative ${i + 1}`).not.toContain(id));
    });
  }
});

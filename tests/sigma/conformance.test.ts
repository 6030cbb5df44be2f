/**
 * Conformance with the Sigma v2.1 specification: detection structure, values, wildcards and escaping, every
 * modifier, conditions and their precedence, each positive and negative.
 */
import { describe, expect, it } from 'vitest';
import { compile, fires, rule } from '../helpers/sigma.js';

describe('detection structure', () => {
  it('a map is AND, a list of values is OR, a list of maps is OR', () => {
    const and = rule('selection:\n    a: 1\n    b: x');
    expect(fires(and, { a: 1, b: 'x' })).toBe(true);
    expect(fires(and, { a: 1, b: 'y' })).toBe(false);
    const or = rule('selection:\n    a: [x, y]');
    expect(fires(or, { a: 'y' })).toBe(true);
    expect(fires(or, { a: 'z' })).toBe(false);
    const maps = rule('selection:\n    - a: x\n    - b: y');
    expect(fires(maps, { b: 'y' })).toBe(true);
    expect(fires(maps, { a: 'y', b: 'x' })).toBe(false);
  });

  it('keywords search every string value of the event, as substrings', () => {
    const kw = rule('keywords:\n    - roleAssignments/write\n    - listKeys', 'keywords');
    expect(fires(kw, { properties: { message: 'Microsoft.Authorization/roleAssignments/write' } })).toBe(true);
    expect(fires(kw, { deep: [{ x: 'a LISTKEYS b' }] })).toBe(true); // case-insensitive
    expect(fires(kw, { other: 'nothing here' })).toBe(false);
    const encoded = rule("keywords:\n    '|base64offset|all':\n        - alpha\n        - beta", 'keywords');
    const b64 = (text: string): string => Buffer.from(text).toString('base64');
    expect(fires(encoded, { a: b64('xalpha'), b: b64('yybeta') })).toBe(true); // each value at its own alignment
    expect(fires(encoded, { a: b64('xalpha') })).toBe(false);
    const all = rule("keywords:\n    '|all':\n        - alpha\n        - beta", 'keywords');
    expect(fires(all, { a: 'alpha', b: 'beta' })).toBe(true);
    expect(fires(all, { a: 'alpha' })).toBe(false);
  });

  it("null matches a missing or null field; '' matches only an empty string", () => {
    const isNull = rule('selection:\n    a: null');
    expect(fires(isNull, {})).toBe(true);
    expect(fires(isNull, { a: null })).toBe(true);
    expect(fires(isNull, { a: '' })).toBe(false);
    const empty = rule("selection:\n    a: ''");
    expect(fires(empty, { a: '' })).toBe(true);
    expect(fires(empty, {})).toBe(false);
    expect(fires(empty, { a: 'x' })).toBe(false);
  });

  it('values compare case-insensitively by default; numbers and booleans by their text', () => {
    expect(fires(rule('selection:\n    a: HeLLo'), { a: 'hello' })).toBe(true);
    expect(fires(rule('selection:\n    ResultType: 0'), { ResultType: '0' })).toBe(true);
    expect(fires(rule('selection:\n    ResultType: 0'), { ResultType: 0 })).toBe(true);
    expect(fires(rule("selection:\n    isCompliant: 'false'"), { isCompliant: false })).toBe(true);
    expect(fires(rule("selection:\n    isCompliant: 'false'"), { isCompliant: true })).toBe(false);
  });

  it('dotted names are nested paths; any array element can match', () => {
    const r = rule('selection:\n    targetResources.type: ServicePrincipal');
    expect(fires(r, { targetResources: [{ type: 'User' }, { type: 'ServicePrincipal' }] })).toBe(true);
    expect(fires(r, { targetResources: [{ type: 'User' }] })).toBe(false);
  });

  it('two conditions on one array element must hold for the same element (no cross-matching)', () => {
    const r = rule('selection:\n    targetResources.modifiedProperties.displayName: AppAddress\n    targetResources.modifiedProperties.newValue|contains: evil.example');
    const sameElement = { targetResources: [{ modifiedProperties: [{ displayName: 'AppAddress', newValue: '["https://evil.example/cb"]' }] }] };
    const crossed = { targetResources: [{ modifiedProperties: [
      { displayName: 'AppAddress', newValue: '["https://good.example/cb"]' },
      { displayName: 'Notes', newValue: 'see evil.example' },
    ] }] };
    expect(fires(r, sameElement)).toBe(true);
    expect(fires(r, crossed)).toBe(false);
  });
});

describe('wildcards and escaping (spec §4.2)', () => {
  it.each([
    ['ab*', 'abXYZ', true], ['ab*', 'xab', false], ['*ab', 'xxab', true], ['a?c', 'abc', true], ['a?c', 'ac', false],
    ['a\\*c', 'a*c', true], ['a\\*c', 'abc', false], ['a\\?c', 'a?c', true], ['a\\?c', 'abc', false],
    ['a\\\\*', 'a\\xyz', true], ['a\\\\*', 'axyz', false], ['a\\\\\\*', 'a\\*', true], ['a\\\\\\*', 'a\\x', false],
    ['C:\\Windows', 'c:\\windows', true], ['a\\b', 'a\\b', true],
  ])('%s vs %s → %s', (pattern, value, expected) => {
    expect(fires(rule(`selection:\n    f: '${pattern}'`), { f: value })).toBe(expected);
  });
});

describe('modifiers', () => {
  const m = (mods: string, value: string): string => rule(`selection:\n    f|${mods}: ${value}`);
  it.each([
    ['contains', "'oo'", 'food', true], ['contains', "'oo'", 'fad', false],
    ['startswith', "'fo'", 'food', true], ['startswith', "'fo'", 'afoo', false],
    ['endswith', "'od'", 'food', true], ['endswith', "'od'", 'odd', false],
    ['contains|all', '[a, b]', 'xaxbx', true], ['contains|all', '[a, b]', 'xax', false],
    ['cased', "'Food'", 'Food', true], ['cased', "'Food'", 'food', false],
    ['contains|cased', "'OO'", 'fOOd', true], ['contains|cased', "'OO'", 'food', false],
    ['neq', "'a'", 'b', true], ['neq', "'a'", 'A', false],
    ['re', "'^ab+c$'", 'abbbc', true], ['re', "'^ab+c$'", 'ABBC', false],
    ['re|i', "'^ab+c$'", 'ABBC', true],
    ['re|m', "'^b$'", 'a\nb\nc', true], ['re', "'^b$'", 'a\nb\nc', false],
    ['re|s', "'a.c'", 'a\nc', true], ['re', "'a.c'", 'a\nc', false],
    ['lt', '5', '4', true], ['lt', '5', '5', false], ['lte', '5', '5', true], ['gt', '5', '6', true], ['gte', '5', '4', false],
    ['cidr', "'10.0.0.0/8'", '10.1.2.3', true], ['cidr', "'10.0.0.0/8'", '11.1.2.3', false],
    ['cidr', "'2001:db8::/32'", '2001:db8::1', true], ['cidr', "'2001:db8::/32'", '2001:db9::1', false],
    ['windash', "'-enc'", '/enc', true], ['windash', "'-enc'", '\u2013enc', true], ['windash', "'-enc'", 'xenc', false],
    ['base64', "'secret'", 'c2VjcmV0', true], ['base64', "'secret'", 'secret', false],
    ['hour', '3', '2026-10-01T03:59:00Z', true], ['hour', '3', '2026-10-01T04:00:00Z', false],
    ['minute', '15', '2026-10-01T03:15:00Z', true], ['day', '1', '2026-10-01T03:15:00Z', true],
    ['month', '10', '2026-10-01T03:15:00Z', true], ['year', '2025', '2026-10-01T03:15:00Z', false],
    ['week', '40', '2026-10-01T03:15:00Z', true],
  ])('|%s %s on %j → %s', (mods, value, field, expected) => {
    expect(fires(m(mods, value), { f: field })).toBe(expected);
  });

  it('base64offset|contains finds the value at any byte alignment', () => {
    const r = m('base64offset|contains', "'admin'");
    for (const prefix of ['', 'x', 'xy']) {
      const encoded = Buffer.from(`${prefix}admin user`).toString('base64');
      expect(fires(r, { f: encoded }), prefix).toBe(true);
    }
    expect(fires(r, { f: Buffer.from('nothing').toString('base64') })).toBe(false);
  });

  it('utf16le, utf16be, utf16 and wide encode before base64', () => {
    expect(fires(m('utf16le|base64offset|contains', "'ping'"), { f: Buffer.from('cmd ping', 'utf16le').toString('base64') })).toBe(true);
    expect(fires(m('wide|base64offset|contains', "'ping'"), { f: Buffer.from('cmd ping', 'utf16le').toString('base64') })).toBe(true);
    const be = Buffer.from('ping', 'utf16le').swap16();
    expect(fires(m('utf16be|base64', "'ping'"), { f: be.toString('base64') })).toBe(true);
    const bom = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('ping', 'utf16le')]);
    expect(fires(m('utf16|base64', "'ping'"), { f: bom.toString('base64') })).toBe(true);
  });

  it('exists tests presence only', () => {
    expect(fires(m('exists', 'true'), { f: null })).toBe(true);
    expect(fires(m('exists', 'true'), {})).toBe(false);
    expect(fires(m('exists', 'false'), {})).toBe(true);
  });

  it('fieldref compares with another field of the event', () => {
    const r = rule('selection:\n    initiator|fieldref: owner');
    expect(fires(r, { initiator: 'Alice@contoso.com', owner: 'alice@contoso.com' })).toBe(true);
    expect(fires(r, { initiator: 'bob@contoso.com', owner: 'alice@contoso.com' })).toBe(false);
  });

  it('expand takes placeholder values from configuration; without them the rule is refused', () => {
    const r = rule("selection:\n    location|contains|expand: '%Known_Location%'");
    expect(fires(r, { location: 'Paris, FR' }, { Known_Location: ['FR', 'DE'] })).toBe(true);
    expect(fires(r, { location: 'Lima, PE' }, { Known_Location: ['FR', 'DE'] })).toBe(false);
    const { ruleset, diagnostics } = compile(r);
    expect(ruleset.rules[0]!.refused).toContain('placeholder %Known_Location% has no values');
    expect(diagnostics.map((d) => d.code)).toContain('APPW-E008');
  });

  it('a hostile regular expression cannot hang a scan (RE2: linear time)', () => {
    const r = m('re', "'^(a+)+$'");
    const started = performance.now();
    expect(fires(r, { f: `${'a'.repeat(50_000)}!` })).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
    const backreference = compile(m('re', "'(a)\\1'"));
    expect(backreference.diagnostics.map((d) => d.code)).toContain('APPW-E011');
  });

  it('unknown and misplaced modifiers are errors naming the rule and line', () => {
    const { diagnostics } = compile(rule('selection:\n    f|contain: x'));
    expect(diagnostics[0]).toMatchObject({ code: 'APPW-E006', location: { file: 'inline.yml', line: 6 } });
    expect(diagnostics[0]!.message).toContain('unknown modifier "contain"');
    expect(compile(rule('selection:\n    f|contains|base64: x')).diagnostics[0]!.message).toContain('must come before the comparison');
    expect(compile(rule('selection:\n    f|i: x')).diagnostics[0]!.message).toContain('only allowed after "re"');
  });
});

describe('conditions', () => {
  const three = 'a:\n    f: a\nb:\n    g: b\nc:\n    h: c';
  it('precedence: not binds tighter than and, and than or', () => {
    const r = rule(three, 'a or b and not c');
    expect(fires(r, { f: 'a', h: 'c' })).toBe(true); // a or (b and not c)
    expect(fires(r, { g: 'b', h: 'c' })).toBe(false);
    expect(fires(r, { g: 'b' })).toBe(true);
  });

  it('parentheses group', () => {
    const r = rule(three, '(a or b) and not c');
    expect(fires(r, { f: 'a', h: 'c' })).toBe(false);
    expect(fires(r, { f: 'a' })).toBe(true);
  });

  it('1 of / all of a pattern or them; _-prefixed searches are not in them', () => {
    const det = 'selection_one:\n    f: a\nselection_two:\n    g: b\n_helper:\n    h: c';
    expect(fires(rule(det, '1 of selection_*'), { g: 'b' })).toBe(true);
    expect(fires(rule(det, 'all of selection_*'), { g: 'b' })).toBe(false);
    expect(fires(rule(det, 'all of selection_*'), { f: 'a', g: 'b' })).toBe(true);
    expect(fires(rule(det, 'all of them'), { f: 'a', g: 'b' })).toBe(true); // _helper excluded
    expect(fires(rule(det, 'any of them'), { h: 'c' })).toBe(false);
  });

  it('a list of conditions ORs them', () => {
    const r = `title: t\nlogsource: {product: test}\ndetection:\n    a:\n        f: a\n    b:\n        g: b\n    condition:\n        - a\n        - b\n`;
    expect(fires(r, { g: 'b' })).toBe(true);
  });

  it('v1 pipe aggregations are refused with a pointer to correlations', () => {
    const { diagnostics } = compile(rule('selection:\n    f: a', 'selection | count() by g > 10'));
    expect(diagnostics[0]).toMatchObject({ code: 'APPW-E004' });
    expect(diagnostics[0]!.message).toContain('correlation rule');
  });

  it('an identifier that is not a search is an error', () => {
    const { diagnostics } = compile(rule('selection:\n    f: a', 'selection and filter'));
    expect(diagnostics[0]).toMatchObject({ code: 'APPW-E005' });
  });
});

describe('validation', () => {
  it('missing title, logsource or condition name the file and line', () => {
    expect(compile('logsource: {product: x}\ndetection:\n    s: {a: 1}\n    condition: s\n').diagnostics[0]).toMatchObject({ code: 'APPW-E003', location: { line: 1 } });
    expect(compile('title: t\ndetection:\n    s: {a: 1}\n    condition: s\n').diagnostics[0]!.message).toContain('logsource');
    expect(compile('title: t\nlogsource: {product: x}\ndetection:\n    s: {a: 1}\n').diagnostics[0]!.message).toContain('no "condition"');
    expect(compile('title: t\nlevel: severe\nlogsource: {product: x}\ndetection:\n    s: {a: 1}\n    condition: s\n').diagnostics[0]!.message).toContain('"level" must be one of');
  });

  it('broken YAML costs only its document', () => {
    const { ruleset, diagnostics } = compile(`${rule('selection:\n    f: a')}---\ntitle: [unclosed\n---\n${rule('selection:\n    g: b').replace('0001', '0002')}`);
    expect(ruleset.rules).toHaveLength(2);
    expect(diagnostics.map((d) => d.code)).toEqual(['APPW-E001']);
  });
});

describe('filters (pySigma semantics: the rule matches where the filter condition also holds)', () => {
  const base = `title: app credential change
id: 77777777-7777-4777-8777-777777777777
name: cred_change
logsource: {product: azure, service: auditlogs}
detection:
    selection:
        activity: Update application
    condition: selection
---
`;
  const filter = (rules: string, condition: string): string => `${base}title: known deployment pipeline
logsource: {product: azure, service: auditlogs}
filter:
    rules: ${rules}
    selection:
        actor: deploy-bot@contoso.com
    condition: ${condition}
`;
  it('an excluding filter says "not selection"', () => {
    const yaml = filter('[cred_change]', 'not selection');
    expect(fires(yaml, { activity: 'Update application', actor: 'mallory@contoso.com' })).toBe(true);
    expect(fires(yaml, { activity: 'Update application', actor: 'deploy-bot@contoso.com' })).toBe(false);
  });

  it('rules: any applies to every rule of the log source', () => {
    expect(fires(filter('any', 'not selection'), { activity: 'Update application', actor: 'deploy-bot@contoso.com' })).toBe(false);
  });

  it('a filter naming another rule leaves this one alone', () => {
    expect(fires(filter('[other_rule]', 'not selection'), { activity: 'Update application', actor: 'deploy-bot@contoso.com' })).toBe(true);
  });
});

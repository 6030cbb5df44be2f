/**
 * @module sigma/condition
 * The condition grammar (Sigma v2.1), loosest binding first:
 *
 *   expr    := and ('or' and)*
 *   and     := not ('and' not)*
 *   not     := 'not' not | primary
 *   primary := '(' expr ')' | quant 'of' target | identifier
 *   quant   := '1' | 'any' | 'all'
 *   target  := 'them' | pattern        (pattern: identifier with '*' wildcards)
 *
 * Pipe aggregations (`| count() by …`) were removed in v2 and are refused with a pointer to correlations.
 */
import { SigmaError } from './diagnostics.js';
import type { ConditionNode } from './types.js';

type Token = { kind: 'word' | 'lparen' | 'rparen'; text: string; at: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(') {
      tokens.push({ kind: 'lparen', text: c, at: i++ });
    } else if (c === ')') {
      tokens.push({ kind: 'rparen', text: c, at: i++ });
    } else if (c === '|') {
      throw new SigmaError('APPW-E004', `the pipe at column ${i + 1} ("${text.slice(i).trim()}") is a Sigma v1 aggregation, removed in v2: write it as a correlation rule (event_count, value_count) instead`);
    } else {
      const m = /^[A-Za-z0-9_*?\-.]+/.exec(text.slice(i));
      if (!m) throw new SigmaError('APPW-E004', `unexpected character ${JSON.stringify(c)} at column ${i + 1}`);
      tokens.push({ kind: 'word', text: m[0], at: i });
      i += m[0].length;
    }
  }
  return tokens;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'of']);

export function parseCondition(text: string): ConditionNode {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isWord = (t: Token | undefined, word: string): boolean => t?.kind === 'word' && t.text.toLowerCase() === word;
  const fail = (message: string): never => {
    throw new SigmaError('APPW-E004', message);
  };

  function expr(): ConditionNode {
    const children = [and()];
    while (isWord(peek(), 'or')) {
      pos++;
      children.push(and());
    }
    return children.length === 1 ? children[0]! : { type: 'or', children };
  }
  function and(): ConditionNode {
    const children = [not()];
    while (isWord(peek(), 'and')) {
      pos++;
      children.push(not());
    }
    return children.length === 1 ? children[0]! : { type: 'and', children };
  }
  function not(): ConditionNode {
    if (isWord(peek(), 'not')) {
      pos++;
      return { type: 'not', child: not() };
    }
    return primary();
  }
  function primary(): ConditionNode {
    const t = peek();
    if (!t) return fail('the condition ends where an identifier, "not", "(" or "1 of"/"all of" was expected');
    if (t.kind === 'lparen') {
      pos++;
      const inner = expr();
      if (peek()?.kind !== 'rparen') fail(`missing ")" for the "(" at column ${t.at + 1}`);
      pos++;
      return inner;
    }
    if (t.kind === 'rparen') return fail(`unexpected ")" at column ${t.at + 1}`);
    const lower = t.text.toLowerCase();
    if ((lower === '1' || lower === 'any' || lower === 'all') && isWord(tokens[pos + 1], 'of')) {
      pos += 2;
      const target = peek();
      if (!target || target.kind !== 'word' || KEYWORDS.has(target.text.toLowerCase())) {
        return fail(`"${t.text} of" must be followed by "them" or a search-identifier pattern`);
      }
      pos++;
      return { type: 'of', quantifier: lower === 'all' ? 'all' : 'one', pattern: target.text.toLowerCase() === 'them' ? 'them' : target.text };
    }
    if (KEYWORDS.has(lower)) return fail(`unexpected "${t.text}" at column ${t.at + 1}`);
    if (t.text.includes('*')) return fail(`the pattern "${t.text}" at column ${t.at + 1} needs "1 of" or "all of" before it`);
    pos++;
    return { type: 'id', name: t.text };
  }

  if (tokens.length === 0) fail('the condition is empty');
  const tree = expr();
  if (pos < tokens.length) fail(`unexpected "${tokens[pos]!.text}" at column ${tokens[pos]!.at + 1}`);
  return tree;
}

/** Search names a `1 of`/`all of` target covers: `them` is every name not starting with `_`. */
export function namesMatching(pattern: string, names: readonly string[]): string[] {
  if (pattern === 'them') return names.filter((n) => !n.startsWith('_'));
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return names.filter((n) => re.test(n) && !n.startsWith('_'));
}

/** Every identifier a condition names directly (for "unknown search identifier" checks). */
export function identifiersOf(node: ConditionNode, out: string[] = []): string[] {
  switch (node.type) {
    case 'id': out.push(node.name); break;
    case 'not': identifiersOf(node.child, out); break;
    case 'and': case 'or': node.children.forEach((c) => identifiersOf(c, out)); break;
    case 'of': break;
  }
  return out;
}

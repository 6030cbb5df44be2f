/**
 * @module export/kql/lint
 * appwatch's own checks of a query, for what Microsoft's analyser accepts but Log Analytics gets wrong or
 * Sentinel refuses: a string compared with a number (`ResultType == 0` on a string column), two constants
 * compared (a 'quoted.name' is a string, not a column), string operators on dynamic values (they compare the
 * JSON text), and `search` / `union *` / `find` (not allowed in Sentinel rules).
 */
import { analyzedCode, languageService } from './analyze.js';

export interface LintFinding {
  rule: 'string-vs-number' | 'constant-comparison' | 'dynamic-string-operator' | 'search-everything';
  message: string;
  at: string;
}

const NUMERIC = new Set(['int', 'long', 'real', 'decimal']);
const COMPARISON = new Set(['==', '!=', '<', '<=', '>', '>=', '=~', '!~']);
const STRING_OPERATORS = new Set(['=~', '!~', 'contains', '!contains', 'contains_cs', '!contains_cs', 'startswith', '!startswith', 'startswith_cs',
  'endswith', '!endswith', 'endswith_cs', 'has', '!has', 'has_cs', 'hasprefix', 'hassuffix', 'matches regex', 'in~', '!in~']);

/** A syntax node of the language service (untyped Bridge.NET object). */
type Node = any;

const typeName = (e: Node): string | undefined => e?.ResultType?.Name as string | undefined;
const isLiteral = (e: Node): boolean => String(e?.constructor?.$$name ?? '').endsWith('.LiteralExpression');
const mixes = (a: string | undefined, b: string | undefined): boolean => (a === 'string' && NUMERIC.has(b ?? '')) || (b === 'string' && NUMERIC.has(a ?? ''));

export function lint(query: string): LintFinding[] {
  const code = analyzedCode(query);
  const { K } = languageService();
  const findings: LintFinding[] = [];
  const at = (n: Node): string => String(n.toString()).trim();
  K.Syntax.SyntaxElement.WalkNodes(code.Syntax, (n: Node) => {
    const name = String(n.constructor?.$$name ?? '');
    if (name.endsWith('.BinaryExpression')) {
      const op = String(n.Operator?.Text ?? '').trim().replace(/\s+/g, ' ');
      const left = typeName(n.Left);
      const right = typeName(n.Right);
      if (COMPARISON.has(op) && mixes(left, right)) findings.push({ rule: 'string-vs-number', message: `compares ${left} with ${right}`, at: at(n) });
      if (COMPARISON.has(op) && isLiteral(n.Left) && isLiteral(n.Right)) findings.push({ rule: 'constant-comparison', message: 'compares two constants (a quoted name is a string, not a column)', at: at(n) });
      if (STRING_OPERATORS.has(op) && left === 'dynamic') findings.push({ rule: 'dynamic-string-operator', message: `${op} on a dynamic value compares its JSON text: wrap it in tostring()`, at: at(n) });
    } else if (name.endsWith('.InExpression')) {
      const op = String(n.Operator?.Text ?? '').trim();
      const left = typeName(n.Left);
      const list = n.Right?.Expressions;
      for (let i = 0; list && i < list.Count; i++) {
        const element = list.getItem(i).Element;
        if (mixes(left, typeName(element))) findings.push({ rule: 'string-vs-number', message: `${op} compares ${left} with ${typeName(element)}`, at: at(n) });
      }
      if (op.endsWith('~') && left === 'dynamic') findings.push({ rule: 'dynamic-string-operator', message: `${op} on a dynamic value compares its JSON text: wrap it in tostring()`, at: at(n) });
    } else if (name.endsWith('.SearchOperator') || name.endsWith('.FindOperator')) {
      findings.push({ rule: 'search-everything', message: 'search/find over every table is not allowed in Sentinel rules', at: at(n) });
    } else if (name.endsWith('.UnionOperator') && /\bunion\b[^|(]*\*/.test(at(n))) {
      findings.push({ rule: 'search-everything', message: 'union * is not allowed in Sentinel rules', at: at(n) });
    }
  });
  return findings;
}

/**
 * appwatch's own lint finds what Microsoft's analyser accepts but Log Analytics gets wrong or Sentinel refuses
 * (the pitfalls pySigma's Kusto backend falls into: appwatch research notes kql-export.md §2, §5).
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/export/kql/analyze.js';
import { lint } from '../../src/export/kql/lint.js';

const errorsOf = (query: string): string[] => analyze(query).filter((d) => d.severity === 'Error').map((d) => d.code);
const rulesOf = (query: string): string[] => lint(query).map((f) => f.rule);

describe('lint', () => {
  it('a string column compared with a number: the analyser accepts it, the lint does not', () => {
    const query = 'SigninLogs | where ResultType == 50126';
    expect(errorsOf(query)).toEqual([]);
    expect(rulesOf(query)).toEqual(['string-vs-number']);
    expect(rulesOf('SigninLogs | where ResultType in (0, 50126)')).toEqual(['string-vs-number', 'string-vs-number']);
    expect(rulesOf('SigninLogs | where ResultType == "0" and DurationMs > 5')).toEqual([]);
  });

  it("a 'quoted.dotted' name compares two strings", () => {
    const query = "AuditLogs | where 'properties.message' =~ \"Add owner to application\"";
    expect(errorsOf(query)).toEqual([]);
    expect(rulesOf(query)).toEqual(['constant-comparison']);
  });

  it('string operators on a dynamic value compare its JSON text', () => {
    expect(rulesOf('AuditLogs | where TargetResources contains "x" or InitiatedBy =~ "y"')).toEqual(['dynamic-string-operator', 'dynamic-string-operator']);
    expect(rulesOf('AuditLogs | where tostring(InitiatedBy.user.id) =~ "y"')).toEqual([]);
  });

  it('search and union * are not allowed in Sentinel rules', () => {
    expect(rulesOf('search "x"')).toEqual(['search-everything']);
    expect(rulesOf('union * | where TimeGenerated > ago(1h)')).toEqual(['search-everything']);
    expect(rulesOf('union SigninLogs, AuditLogs | take 1')).toEqual([]);
  });
});

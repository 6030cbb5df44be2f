/**
 * @module export/kql/analyze
 * Microsoft's KQL parser and semantic analyser (@kusto/language-service-next, a Bridge.NET build that defines
 * the globals `Bridge` and `Kusto` when its two scripts are evaluated as CommonJS), against the table schemas
 * in catalogues/kql/tables.json. It is a development dependency: loaded only when asked for.
 */
import { createRequire } from 'node:module';
import { allTables, tableInfo } from './tables.js';

export type Severity = 'Error' | 'Warning' | 'Suggestion' | 'Information';

export interface KqlDiagnostic {
  severity: Severity;
  code: string;
  message: string;
  /** The text the diagnostic points at. */
  at: string;
  start: number;
}

/** The Bridge.NET objects are untyped here: only the few members used are touched. */
type Kusto = any;

let kusto: { K: Kusto; Bridge: Kusto } | undefined;

/** Loads the language service (throws with a clear message when it is not installed). */
export function languageService(): { K: Kusto; Bridge: Kusto } {
  if (kusto) return kusto;
  const require = createRequire(import.meta.url);
  try {
    require('@kusto/language-service-next/bridge.js');
    require('@kusto/language-service-next/Kusto.Language.Bridge.js');
  } catch (error) {
    throw new Error(`@kusto/language-service-next is not installed (a development dependency of appwatch): ${(error as Error).message}`);
  }
  const g = globalThis as unknown as { Kusto: Kusto; Bridge: Kusto };
  return (kusto = { K: g.Kusto.Language, Bridge: g.Bridge });
}

let globals: Kusto | undefined;

/** The analyser's global state: one database with every table appwatch exports to. */
function globalState(): Kusto {
  if (globals) return globals;
  const { K } = languageService();
  const tables = allTables().map((t) => {
    const schema = [...tableInfo(t.name).columns.values()].map((c) => `['${c.name}']:${c.type}`).join(', ');
    return new K.Symbols.TableSymbol.$ctor7(t.name, `(${schema})`, null);
  });
  const database = new K.Symbols.DatabaseSymbol.$ctor2('appwatch', null, tables);
  return (globals = K.GlobalState.Default.WithDatabase(database));
}

/** Parse and semantic diagnostics plus the analysers' (warnings and suggestions) for one query. */
export function analyze(query: string): KqlDiagnostic[] {
  const { K, Bridge } = languageService();
  const code = K.KustoCode.ParseAndAnalyze(query, globalState());
  const service = new K.Editor.KustoCodeService.ctor(code);
  const all = [...Bridge.toArray(service.GetDiagnostics(true)), ...Bridge.toArray(service.GetAnalyzerDiagnostics(true))];
  return all.map((d: Kusto) => ({ severity: d.Severity as Severity, code: d.Code as string, message: String(d.Message), at: query.substr(d.Start, d.Length), start: d.Start as number }));
}

/** The analysed syntax tree, for appwatch's own checks of what the analyser accepts. */
export function analyzedCode(query: string): Kusto {
  const { K } = languageService();
  return K.KustoCode.ParseAndAnalyze(query, globalState());
}

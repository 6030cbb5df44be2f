/**
 * @module sigma/load
 * Reads Sigma files (single or multi-document YAML; folders recursively, `.yml`/`.yaml`) into documents and
 * diagnostics. A broken document costs only itself.
 */
import { readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { diagnostic, type SigmaDiagnostic } from './diagnostics.js';
import { parseSigmaDocument } from './parse.js';
import type { SigmaDocument } from './types.js';

export interface LoadedRules {
  documents: SigmaDocument[];
  diagnostics: SigmaDiagnostic[];
  files: string[];
}

async function ruleFiles(path: string, out: string[]): Promise<void> {
  const info = await stat(path);
  if (info.isDirectory()) {
    const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      if (e.isDirectory()) await ruleFiles(join(path, e.name), out);
      else if (/\.ya?ml$/i.test(e.name)) out.push(join(path, e.name));
    }
  } else out.push(path);
}

/** Parses the text of one rule file. */
export function parseRuleText(text: string, file: string): { documents: SigmaDocument[]; diagnostics: SigmaDiagnostic[] } {
  const lines = new LineCounter();
  const diagnostics: SigmaDiagnostic[] = [];
  const documents: SigmaDocument[] = [];
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      diagnostics.push(diagnostic('APPW-E001', `invalid YAML: ${e.message.split('\n')[0]}`, { file, line: lines.linePos(e.pos[0]).line }));
      continue;
    }
    if (doc.contents === null) continue; // an empty document between separators
    const parsed = parseSigmaDocument(doc, { file, lines, diagnostics });
    if (parsed) documents.push(parsed);
  }
  return { documents, diagnostics };
}

export async function loadRules(paths: readonly string[]): Promise<LoadedRules> {
  const files: string[] = [];
  const result: LoadedRules = { documents: [], diagnostics: [], files };
  for (const path of paths) {
    try {
      await ruleFiles(path, files);
    } catch (error) {
      result.diagnostics.push(diagnostic('APPW-E002', `cannot read rules: ${(error as Error).message}`, { file: path }));
    }
  }
  // Rule files are small: reading them synchronously costs tens of microseconds each, far less than the
  // promise machinery of asynchronous reads (a third of the load time for a thousand rules).
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      result.diagnostics.push(diagnostic('APPW-E002', `cannot read: ${(error as Error).message}`, { file }));
      continue;
    }
    const parsed = parseRuleText(text, file);
    result.documents.push(...parsed.documents);
    result.diagnostics.push(...parsed.diagnostics);
  }
  const seen = new Map<string, SigmaDocument>();
  const kept: SigmaDocument[] = [];
  for (const doc of result.documents) {
    const first = doc.id ? seen.get(doc.id) : undefined;
    if (first) {
      result.diagnostics.push(diagnostic('APPW-E012', `id ${doc.id} is also used by '${first.title}' (${first.location.file}:${first.location.line ?? '?'}); the second is not loaded`, doc.location, { id: doc.id!, title: doc.title }));
      continue;
    }
    if (doc.id) seen.set(doc.id, doc);
    kept.push(doc);
  }
  result.documents = kept;
  return result;
}

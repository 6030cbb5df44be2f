/**
 * @module config/config
 * `appwatch.yaml`: one file for every command, found in the working directory or given with `--config`.
 * Unknown keys are errors that name the key's path and line, so a typo never silently disables a setting.
 * Secrets never live here: settings that need one name the environment variable that holds it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineCounter, isMap, isScalar, parseDocument, type Node } from 'yaml';
import { INPUT_FORMATS, type InputFormatName } from '../model/event.js';

export interface AppwatchConfig {
  ingest: {
    inputFormat?: 'auto' | InputFormatName;
    timeField?: string;
    maxRecordBytes?: number;
  };
  output: {
    format?: OutputFormat;
  };
  sigma: {
    /** Values of `%name%` placeholders used with `|expand`. */
    placeholders?: Record<string, string[]>;
  };
}

export const OUTPUT_FORMATS = ['table', 'json', 'jsonl', 'csv', 'ocsf'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export class ConfigError extends Error {
  constructor(message: string, readonly file?: string, readonly line?: number) {
    super(`${file ?? 'configuration'}${line ? `:${line}` : ''}: ${message}`);
  }
}

type Check = (value: unknown) => string | null;
type Schema = { [key: string]: Schema | Check };

const oneOf = (values: readonly string[]): Check => (v) =>
  typeof v === 'string' && values.includes(v) ? null : `must be one of ${values.join(', ')}`;
const aString: Check = (v) => (typeof v === 'string' && v !== '' ? null : 'must be a non-empty string');
const placeholderMap: Check = (v) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'must map placeholder names to lists of values';
  for (const [name, values] of Object.entries(v)) {
    const list = Array.isArray(values) ? values : [values];
    if (list.some((x) => typeof x !== 'string' && typeof x !== 'number')) return `placeholder ${name} must be a value or a list of values`;
  }
  return null;
};
const aPositiveInteger: Check = (v) => (Number.isInteger(v) && (v as number) > 0 ? null : 'must be a positive whole number');

/** The keys appwatch knows; later capabilities add their sections here. */
const SCHEMA: Schema = {
  ingest: {
    inputFormat: oneOf(['auto', ...INPUT_FORMATS]),
    timeField: aString,
    maxRecordBytes: aPositiveInteger,
  },
  output: {
    format: oneOf(OUTPUT_FORMATS),
  },
  sigma: {
    placeholders: placeholderMap,
  },
};

export const DEFAULT_CONFIG_FILE = 'appwatch.yaml';

/** Loads `--config FILE`, else `./appwatch.yaml` when present, else the defaults. */
export function loadConfig(explicitPath?: string, cwd = process.cwd()): { config: AppwatchConfig; file?: string } {
  const path = explicitPath ? resolve(cwd, explicitPath) : resolve(cwd, DEFAULT_CONFIG_FILE);
  if (!existsSync(path)) {
    if (explicitPath) throw new ConfigError('no such file', explicitPath);
    return { config: { ingest: {}, output: {}, sigma: {} } };
  }
  const text = readFileSync(path, 'utf8');
  return { config: parseConfig(text, explicitPath ?? DEFAULT_CONFIG_FILE), file: path };
}

export function parseConfig(text: string, file: string): AppwatchConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!;
    throw new ConfigError(`invalid YAML: ${error.message.split('\n')[0]}`, file, lineCounter.linePos(error.pos[0]).line);
  }
  const config: AppwatchConfig = { ingest: {}, output: {}, sigma: {} };
  if (doc.contents === null) return config;
  validate(doc.contents as Node, SCHEMA, '', config as unknown as Record<string, unknown>, file, lineCounter);
  return config;
}

function lineOf(node: Node | null | undefined, counter: LineCounter): number | undefined {
  const start = node?.range?.[0];
  return start === undefined ? undefined : counter.linePos(start).line;
}

function validate(node: Node, schema: Schema, path: string, out: Record<string, unknown>, file: string, counter: LineCounter): void {
  if (!isMap(node)) throw new ConfigError(`${path || 'the file'} must be a mapping of keys to values`, file, lineOf(node, counter));
  for (const pair of node.items) {
    const keyNode = pair.key as Node;
    const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
    const keyPath = path ? `${path}.${key}` : key;
    const rule = schema[key];
    if (rule === undefined) {
      const known = Object.keys(schema).join(', ');
      throw new ConfigError(`unknown key ${keyPath} (known here: ${known})`, file, lineOf(keyNode, counter));
    }
    const valueNode = pair.value as Node | null;
    if (typeof rule === 'function') {
      const value = isScalar(valueNode) ? valueNode.value : valueNode?.toJSON();
      const problem = rule(value);
      if (problem) throw new ConfigError(`${keyPath} ${problem}`, file, lineOf(valueNode ?? keyNode, counter));
      out[key] = value;
    } else {
      const section: Record<string, unknown> = (out[key] as Record<string, unknown> | undefined) ?? {};
      out[key] = section;
      if (valueNode !== null && !(isScalar(valueNode) && valueNode.value === null)) {
        validate(valueNode, rule, keyPath, section, file, counter);
      }
    }
  }
}

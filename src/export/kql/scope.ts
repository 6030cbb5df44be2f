/**
 * @module export/kql/scope
 * What compiling one rule for one table accumulates: the operators that must run before its predicates
 * (mv-apply for "any element", extends for computed appwatch fields), helper definitions shared by the whole
 * query (`let`), fresh column names, and what the query cannot express (`lost`).
 */
import type { TableInfo } from './tables.js';
import type { Placeholders } from '../../detect/value-transforms.js';
import type { ContextConfig } from '../../config/config.js';

/** Shared by every table a rule is compiled for. */
export class QueryBuild {
  private counter = 0;
  /** Helper definitions by name, in the order first needed (emitted as `let name = …;`). */
  readonly lets = new Map<string, string>();
  /** What the query cannot express, in words (deduplicated, in the order found). */
  readonly lost = new Set<string>();
  /** What a reader should know that is not a loss (a setting the query follows, as the scan does). */
  readonly notes = new Set<string>();
  /** Scheduling the query itself needs (a lookback for "never seen before"). */
  lookback?: { periodMs: number; recentMs: number };

  constructor(readonly options: { placeholders: Placeholders; context?: ContextConfig }) {}

  fresh(prefix: string): string {
    return `${prefix}${++this.counter}`;
  }

  define(name: string, text: string): string {
    if (!this.lets.has(name)) this.lets.set(name, text);
    return name;
  }

  note(text: string): void {
    this.lost.add(text);
  }

  inform(text: string): void {
    this.notes.add(text);
  }
}

/** One level of a query: the table's top level, or the inside of an mv-apply. */
export class Scope {
  readonly steps: string[] = [];
  /** Steps added once per scope by key (a computed column several tests read). */
  private readonly once = new Map<string, string>();
  /** The table's top level, where per-row computed columns go. */
  readonly root: Scope;

  constructor(readonly build: QueryBuild, readonly table: TableInfo, parent?: Scope) {
    this.root = parent?.root ?? this;
  }

  child(): Scope {
    return new Scope(this.build, this.table, this);
  }

  /** Runs `make` the first time `key` is asked for in this scope; returns what it returned then. */
  ensure(key: string, make: () => string): string {
    let value = this.once.get(key);
    if (value === undefined) {
      value = make();
      this.once.set(key, value);
    }
    return value;
  }
}

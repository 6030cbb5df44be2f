/**
 * @module enrich/baseline
 * "Never seen before" needs a memory of what was seen. The baseline learns, from the scanned history, which
 * callers use each Key Vault and which credential types the tenant's applications use; during the first
 * `learningDays` of history it only learns, after that a first sighting is flagged (`new-vault-caller`,
 * `new-credential-type`) and then learned. `--baseline FILE` loads it before a scan and saves it after, so
 * a daily scan builds on yesterday's. Input is expected in rough time order (exports are hourly files).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { CanonicalEvent } from '../model/event.js';

export interface BaselineState {
  version: 1;
  /** The time of the first event learned: learning lasts `learningDays` from it. */
  start?: string;
  learningDays: number;
  vaultCallers: Record<string, string[]>;
  credentialTypes: string[];
}

const NONE: string[] = [];
const DAY = 86_400_000;

export class Baseline {
  private readonly vaultCallers = new Map<string, Set<string>>();
  private readonly credentialTypes = new Set<string>();
  private start?: number;
  private startIso?: string;
  readonly learningDays: number;

  constructor(state?: Partial<BaselineState>, learningDays = 7) {
    this.learningDays = state?.learningDays ?? learningDays;
    if (state?.start) this.start = Date.parse(state.start);
    for (const [vault, callers] of Object.entries(state?.vaultCallers ?? {})) this.vaultCallers.set(vault, new Set(callers));
    for (const t of state?.credentialTypes ?? []) this.credentialTypes.add(t);
  }

  static load(path: string, learningDays: number): Baseline {
    if (!existsSync(path)) return new Baseline(undefined, learningDays);
    const state = JSON.parse(readFileSync(path, 'utf8')) as Partial<BaselineState>;
    if (state.version !== 1) throw new Error(`${path}: not an appwatch baseline (version ${String(state.version)})`);
    return new Baseline(state, learningDays);
  }

  save(path: string): void {
    writeFileSync(path, `${JSON.stringify(this.toJSON(), null, 1)}\n`);
  }

  toJSON(): BaselineState {
    return {
      version: 1,
      ...(this.start !== undefined ? { start: new Date(this.start).toISOString() } : {}),
      learningDays: this.learningDays,
      vaultCallers: Object.fromEntries([...this.vaultCallers].map(([v, c]) => [v, [...c].sort()])),
      credentialTypes: [...this.credentialTypes].sort(),
    };
  }

  /**
   * Learns what another baseline of the same tenant has learned (a stream partition's): the earlier start, and
   * every caller and credential type either has seen. A union, so merging again, or in any order, changes nothing.
   */
  merge(state: Partial<BaselineState>): void {
    if (state.start) {
      const t = Date.parse(state.start);
      if (Number.isFinite(t) && (this.start === undefined || t < this.start)) {
        this.start = t;
        this.startIso = new Date(t).toISOString();
      }
    }
    for (const [vault, callers] of Object.entries(state.vaultCallers ?? {})) {
      let known = this.vaultCallers.get(vault);
      if (!known) this.vaultCallers.set(vault, (known = new Set()));
      for (const c of callers) known.add(c);
    }
    for (const t of state.credentialTypes ?? []) this.credentialTypes.add(t);
  }

  /** Flags for an event against what was learned before it; then learns it. */
  observe(event: CanonicalEvent): string[] {
    const iso = event.appwatch.time;
    // appwatch.time is always ISO UTC with milliseconds, so text order is time order: parse only what matters.
    if (this.startIso === undefined || iso < this.startIso) {
      const t = Date.parse(iso);
      if (this.start === undefined || t < this.start) this.start = t;
      this.startIso = new Date(this.start).toISOString();
    }
    const added = (event.appwatch.credentials as { added?: { type: string }[] } | undefined)?.added ?? [];
    if (event.appwatch.kind !== 'keyvault' && added.length === 0) return NONE;
    const time = Date.parse(iso);
    const learning = time < this.start! + this.learningDays * DAY;
    const flags: string[] = [];
    if (event.appwatch.kind === 'keyvault') {
      const vault = typeof event.resourceId === 'string' ? event.resourceId.toLowerCase() : undefined;
      const c = event.appwatch.caller;
      const caller = (c?.objectId ?? c?.appId ?? c?.upn ?? (typeof event.callerIpAddress === 'string' ? event.callerIpAddress : undefined))?.toLowerCase();
      if (vault && caller) {
        let callers = this.vaultCallers.get(vault);
        if (!callers) this.vaultCallers.set(vault, (callers = new Set()));
        if (callers.has(caller)) flags.push('known-vault-caller');
        else if (!learning) flags.push('new-vault-caller');
        callers.add(caller);
      }
    }
    for (const credential of added) {
      if (!learning && !this.credentialTypes.has(credential.type)) flags.push('new-credential-type');
      this.credentialTypes.add(credential.type);
    }
    return [...new Set(flags)];
  }
}

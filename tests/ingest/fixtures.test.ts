/**
 * Every fixture file is read with the expected format, event counts per kind and skips, and the same logical
 * event read from every form it is written in yields the same canonical fields.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../src/model/event.js';
import { fixture, readAll } from '../helpers/ingest.js';

interface Manifest {
  logicalEvents: Record<string, Record<string, unknown>>;
  files: Record<string, { format: string; events: Record<string, number>; skipped: number; logicalEvents: string[] }>;
}

const manifest = JSON.parse(readFileSync(fixture('manifest.json'), 'utf8')) as Manifest;

/** Where appwatch deliberately differs from the manifest's expectation, and why. */
const DEVIATIONS: Record<string, { skipped: number; reason: string }> = {
  // The lines are valid JSON of no known shape: each is counted as a skipped record, not silently ignored.
  'quirks/unknown-shape.jsonl': { skipped: 4, reason: 'unknown-format' },
};

const nonZero = (counts: Record<string, number | undefined>): Record<string, number> =>
  Object.fromEntries(Object.entries(counts).filter(([, v]) => (v ?? 0) > 0)) as Record<string, number>;

describe('fixture files', () => {
  for (const [path, expected] of Object.entries(manifest.files)) {
    it(`${path}: ${expected.format}, ${JSON.stringify(nonZero(expected.events))}`, async () => {
      const { summary } = await readAll([fixture(path)]);
      const file = summary.files[0]!;
      expect(file.format ?? 'unknown').toBe(expected.format);
      expect(nonZero(file.events)).toEqual(nonZero(expected.events));
      const skipped = Object.values(file.skipped).reduce((a, b) => a + (b ?? 0), 0);
      const deviation = DEVIATIONS[path];
      expect(skipped).toBe(deviation ? deviation.skipped : expected.skipped);
      if (deviation) expect(file.skipped).toHaveProperty(deviation.reason);
    });
  }
});

/** The canonical fields a logical event must carry, from whichever form it was read. */
function keyFields(event: CanonicalEvent): Record<string, unknown> {
  const kind = event.appwatch.kind;
  if (kind === 'audit') {
    const targets = (event.targetResources as { id?: string; modifiedProperties?: { displayName?: string }[] }[] | undefined) ?? [];
    return {
      kind,
      time: event.appwatch.time,
      activityDisplayName: event.activityDisplayName,
      correlationId: event.correlationId,
      targetIds: targets.map((t) => t.id).filter((id) => id !== undefined),
      modifiedPropertyNames: (targets[0]?.modifiedProperties ?? []).map((p) => p.displayName),
      actorUpn: (event.initiatedBy as { user?: { userPrincipalName?: string } } | undefined)?.user?.userPrincipalName ?? null,
      actorApp: (event.initiatedBy as { app?: { servicePrincipalId?: string } } | undefined)?.app?.servicePrincipalId ?? null,
    };
  }
  if (kind === 'signin') {
    return {
      kind,
      time: event.appwatch.time,
      signInEventTypes: event.signInEventTypes,
      appId: event.appId,
      authenticationProtocol: event.authenticationProtocol ?? 'none',
      errorCode: (event.status as { errorCode?: number } | undefined)?.errorCode,
      servicePrincipalId: event.servicePrincipalId || undefined,
      userPrincipalName: event.userPrincipalName || undefined,
      ipAddress: event.ipAddress || undefined,
    };
  }
  if (kind === 'keyvault') {
    return {
      kind,
      time: event.appwatch.time,
      operationName: event.operationName,
      callerObjectId: event.appwatch.caller?.objectId,
      callerAppId: event.appwatch.caller?.appId,
      durationMs: event.durationMs,
    };
  }
  // Azure writes the same operation in upper case (exports) or mixed case (REST API); both are kept raw.
  return { kind, time: event.appwatch.time, operationName: String(event.operationName).toUpperCase() };
}

describe('one logical event, every form', () => {
  const occurrences = new Map<string, { path: string; format: string; index: number }[]>();
  for (const [path, file] of Object.entries(manifest.files)) {
    file.logicalEvents.forEach((id, index) => {
      if (!occurrences.has(id)) occurrences.set(id, []);
      occurrences.get(id)!.push({ path, format: file.format, index });
    });
  }
  for (const [id, places] of occurrences) {
    if (places.length < 2) continue;
    it(`${id} reads the same from ${places.length} files (${[...new Set(places.map((p) => p.format))].join(', ')})`, async () => {
      const seen: { path: string; fields: Record<string, unknown> }[] = [];
      for (const place of places) {
        const { events } = await readAll([fixture(place.path)]);
        const event = events[place.index];
        expect(event, `${place.path} event ${place.index}`).toBeDefined();
        seen.push({ path: place.path, fields: keyFields(event!) });
      }
      const reference = seen.find((s) => s.path.startsWith('graph/') || s.path.startsWith('diagnostic/')) ?? seen[0]!;
      for (const s of seen) {
        const expected = { ...reference.fields };
        const actual = { ...s.fields };
        // The admin-center audit CSV keeps 5 modified properties per target (the summary says so).
        if (s.path.startsWith('portal-csv/AuditLogs')) {
          expected.modifiedPropertyNames = (expected.modifiedPropertyNames as string[]).slice(0, 5);
        }
        // Graph v1.0 sign-ins have no authenticationProtocol (beta only).
        if (s.path.includes('.v1.')) delete expected.authenticationProtocol, delete actual.authenticationProtocol;
        expect(actual, `${s.path} vs ${reference.path}`).toEqual(expected);
      }
      // And the manifest's own statement of the event agrees.
      const stated = manifest.logicalEvents[id]!;
      expect(reference.fields.time).toBe(stated.time);
      expect(reference.fields.kind).toBe(stated.kind);
    });
  }
});

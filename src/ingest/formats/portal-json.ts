/**
 * @module ingest/formats/portal-json
 * The Entra admin center's JSON downloads (`AuditLogs_…json`, `InteractiveSignIns_…json`, …): Graph-beta-shaped
 * objects, so the Graph reader does the work; the download's file name tells the sign-in type when the records
 * do not.
 */
import type { RawRecord, RecordFormat } from '../types.js';
import { graphKind, normalizeGraphRecord, originOf } from './graph.js';
import { signInTypeFromFileName } from './shared.js';

export function isPortalDownloadName(baseName: string): boolean {
  return /^auditlogs_/i.test(baseName) || signInTypeFromFileName(baseName) !== undefined && /_\d{4}-\d{2}-\d{2}/.test(baseName);
}

export const portalJsonFormat: RecordFormat = {
  name: 'portal-json',
  framings: ['json-document', 'json-lines'],
  fits(sample, context) {
    const kind = graphKind(sample);
    if (kind !== 'audit' && kind !== 'signin') return kind;
    return isPortalDownloadName(context.baseName) ? null : 'Graph-shaped, but the file name is not an admin-center download name';
  },
  normalizer(context) {
    return (record: RawRecord) => normalizeGraphRecord(record.value, originOf('portal-json', context, record), context);
  },
};

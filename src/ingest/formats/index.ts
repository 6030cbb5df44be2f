/**
 * @module ingest/formats
 * The registry of record formats, in the order auto-detection tries them. A new format is one file and one
 * line here.
 */
import type { InputFormatName } from '../../model/event.js';
import type { RecordFormat } from '../types.js';
import { diagnosticFormat } from './diagnostic.js';
import { graphFormat } from './graph.js';
import { logAnalyticsFormat } from './log-analytics.js';
import { plainJsonFormat } from './plain-json.js';
import { portalCsvFormat } from './portal-csv.js';
import { portalJsonFormat } from './portal-json.js';

export const FORMATS = {
  diagnostic: diagnosticFormat,
  'log-analytics': logAnalyticsFormat,
  'portal-csv': portalCsvFormat,
  'portal-json': portalJsonFormat,
  graph: graphFormat,
  json: plainJsonFormat,
} as const satisfies Record<InputFormatName, RecordFormat>;

/** Detection order: the most specific shapes first; plain JSON last, as the fallback for any timed event. */
export const DETECTION_ORDER: readonly RecordFormat[] = [
  diagnosticFormat, logAnalyticsFormat, portalCsvFormat, portalJsonFormat, graphFormat, plainJsonFormat,
];

/**
 * @module ingest/formats/plain-json
 * Plain JSON events of any shape (`--input-format json`), read as they are: kind `event`, no normalisation.
 * Event time is the first present of `time`, `timestamp`, `@timestamp`, `TimeGenerated`, or `--time-field`.
 */
import { isRejection, type FileContext, type NormalizeResult, type RawRecord, type RecordFormat } from '../types.js';
import { originOf } from './graph.js';
import { buildEvent, getPath, isObject, reject, type Json } from './shared.js';

export const DEFAULT_TIME_FIELDS = ['time', 'timestamp', '@timestamp', 'TimeGenerated'] as const;

function timeOf(record: Json, context: FileContext): unknown {
  if (context.timeField) return record[context.timeField] ?? getPath(record, context.timeField);
  for (const name of DEFAULT_TIME_FIELDS) if (record[name] !== undefined) return record[name];
  return undefined;
}

export const plainJsonFormat: RecordFormat = {
  name: 'json',
  framings: ['json-lines', 'json-document'],
  fits(sample, context) {
    if (!isObject(sample)) return 'not a JSON object';
    return timeOf(sample, context) === undefined
      ? `no time field (${context.timeField ?? DEFAULT_TIME_FIELDS.join(', ')})`
      : null;
  },
  normalizer(context) {
    const fieldNames = context.timeField ?? DEFAULT_TIME_FIELDS.join(', ');
    return (record: RawRecord): NormalizeResult => {
      const value = record.value;
      if (!isObject(value)) return reject('not-an-object', 'record is not a JSON object');
      const fields: Json = { ...value };
      const result = buildEvent(fields, 'event', timeOf(value, context), originOf('json', context, record), {});
      if (isRejection(result) && result.reject === 'no-time') {
        return reject('no-time', `${result.message.replace(/^event record/, 'event')} (looked for ${fieldNames}; --time-field names another)`);
      }
      return result;
    };
  },
};

/**
 * @module sinks/delivery/jsonl
 * `type: jsonl`: one alert a line, the same JSON as `appwatch scan --format json`, appended and fsync'd.
 */
import type { Alert } from '../../alerts/types.js';
import { alertJson } from '../formats.js';
import { AppendFile } from './append-file.js';
import type { FileSinkConfig } from './config.js';
import { SendQueue, type DeliverySink } from './sink.js';

export function createJsonlSink(config: FileSinkConfig): DeliverySink {
  const file = new AppendFile(config.path);
  const queue = new SendQueue();
  return {
    name: config.name,
    reliable: true,
    send: (alert: Alert) => queue.run(() => file.append(alertJson(alert))),
    close: () => queue.run(() => file.close()),
  };
}

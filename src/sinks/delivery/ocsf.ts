/**
 * @module sinks/delivery/ocsf
 * `type: ocsf`: one OCSF 1.3 Detection Finding a line (the same object as `--format ocsf`), appended and fsync'd.
 */
import type { Alert } from '../../alerts/types.js';
import { ocsfFinding } from '../formats.js';
import { AppendFile } from './append-file.js';
import type { FileSinkConfig } from './config.js';
import { SendQueue, type DeliverySink } from './sink.js';

export function createOcsfSink(config: FileSinkConfig, version: string): DeliverySink {
  const file = new AppendFile(config.path);
  const queue = new SendQueue();
  return {
    name: config.name,
    reliable: true,
    send: (alert: Alert) => queue.run(() => file.append(JSON.stringify(ocsfFinding(alert, version)))),
    close: () => queue.run(() => file.close()),
  };
}

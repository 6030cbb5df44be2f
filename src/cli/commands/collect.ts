/**
 * @module cli/commands/collect
 * `appwatch collect inventory --tenant ID --out snapshot.json`: the tenant's applications, service principals,
 * grants, roles and policies read through Microsoft Graph into an inventory snapshot (docs/contracts.md).
 */
import type { InventorySnapshot } from '../../posture/snapshot.js';
import type { Reporter } from '../terminal.js';
import { InventorySourceError, type InventorySourceOptions } from './inventory-source.js';

export async function collectFromGraph(_options: InventorySourceOptions, _reporter: Reporter): Promise<InventorySnapshot> {
  throw new InventorySourceError('collection through Microsoft Graph is not built yet');
}

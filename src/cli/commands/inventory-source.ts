/**
 * @module cli/commands/inventory-source
 * Where `posture` and `consent-report` get the tenant's inventory: a saved snapshot (`--snapshot FILE`) or a live
 * collection through Microsoft Graph (`--tenant ID`, with the same access options as `collect inventory`).
 */
import { Option, type Command } from 'commander';
import { loadSnapshot, SnapshotError, type InventorySnapshot } from '../../posture/snapshot.js';
import type { Reporter } from '../terminal.js';

export interface InventorySourceOptions {
  snapshot?: string;
  tenant?: string;
  graphUrl?: string;
  authorityHost?: string;
  accessTokenFile?: string;
  timeout?: string;
}

/** `--tenant`, `--graph-url`, `--authority-host`, `--access-token-file`, `--timeout`: how to reach Graph. */
export function addGraphAccessOptions(command: Command): Command {
  return command
    .option('--tenant <id>', 'tenant id or verified domain to read through Microsoft Graph')
    .option('--graph-url <url>', 'Microsoft Graph endpoint, version path included or added (default https://graph.microsoft.com/v1.0; national clouds, tests)')
    .option('--authority-host <url>', 'Microsoft Entra authority host (default https://login.microsoftonline.com)')
    .option('--access-token-file <file>', 'a Graph access token obtained elsewhere (or APPWATCH_ACCESS_TOKEN); skips @azure/identity')
    .addOption(new Option('--timeout <seconds>', 'per-request timeout').default('60'));
}

export function addInventorySourceOptions(command: Command): Command {
  return addGraphAccessOptions(command.option('--snapshot <file>', 'inventory snapshot (collect inventory, or appwatch simulate)'));
}

export class InventorySourceError extends Error {}

/** The snapshot named by the options; errors (usage, unreadable file, Graph refused) are InventorySourceError. */
export async function obtainInventory(options: InventorySourceOptions, reporter: Reporter): Promise<{ snapshot: InventorySnapshot; label: string }> {
  if (options.snapshot && options.tenant) throw new InventorySourceError('give --snapshot or --tenant, not both');
  if (options.snapshot) {
    try {
      return { snapshot: loadSnapshot(options.snapshot), label: options.snapshot };
    } catch (error) {
      if (error instanceof SnapshotError) throw new InventorySourceError(error.message);
      throw error;
    }
  }
  if (options.tenant) {
    const { collectFromGraph } = await import('./collect.js');
    const snapshot = await collectFromGraph(options, reporter);
    return { snapshot, label: `tenant ${options.tenant}` };
  }
  throw new InventorySourceError('give --snapshot FILE or --tenant ID');
}

/** The inventory, or undefined after saying on stderr why there is none (the caller then exits with usage). */
export async function inventoryOrReason(options: InventorySourceOptions, reporter: Reporter): Promise<{ snapshot: InventorySnapshot; label: string } | undefined> {
  try {
    return await obtainInventory(options, reporter);
  } catch (error) {
    if (!(error instanceof InventorySourceError)) throw error;
    reporter.error(error.message);
    return undefined;
  }
}

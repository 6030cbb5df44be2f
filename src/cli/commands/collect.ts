/**
 * @module cli/commands/collect
 * `appwatch collect inventory --tenant ID --out snapshot.json`: the tenant's applications, service principals,
 * grants, roles and policies read through Microsoft Graph into an inventory snapshot (docs/contracts.md).
 * `collectFromGraph` is also how `posture --tenant` and `consent-report --tenant` read the tenant live.
 */
import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { AuthError, tokenProvider, type TokenProvider } from '../../posture/graph/auth.js';
import { GraphClient } from '../../posture/graph/client.js';
import { authorityHost, EndpointError, graphEndpoint } from '../../posture/graph/endpoint.js';
import { collectInventory } from '../../posture/collect.js';
import type { InventorySnapshot } from '../../posture/snapshot.js';
import { createReporter, type Reporter } from '../terminal.js';
import { EXIT, packageVersion } from './common.js';
import { addGraphAccessOptions, InventorySourceError, type InventorySourceOptions } from './inventory-source.js';

export async function collectFromGraph(options: InventorySourceOptions, reporter: Reporter): Promise<InventorySnapshot> {
  if (!options.tenant) throw new InventorySourceError('--tenant is required (tenant id or verified domain)');
  const timeoutSeconds = Number(options.timeout ?? 60);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new InventorySourceError(`--timeout ${options.timeout}: a number of seconds above 0`);
  let client: GraphClient;
  let tokens: TokenProvider;
  try {
    const graph = graphEndpoint(options.graphUrl);
    const authority = authorityHost(options.authorityHost ?? process.env.AZURE_AUTHORITY_HOST);
    tokens = tokenProvider({
      tenant: options.tenant, scope: graph.scope, disableInstanceDiscovery: authority.disableInstanceDiscovery,
      ...(authority.host ? { authorityHost: authority.host } : {}),
      ...(options.accessTokenFile ? { accessTokenFile: options.accessTokenFile } : {}),
    });
    reporter.info(`reading tenant ${options.tenant} from ${graph.baseUrl} (${tokens.description})`);
    client = new GraphClient({
      baseUrl: graph.baseUrl, tokens, timeoutMs: timeoutSeconds * 1000, userAgent: `appwatch/${packageVersion()}`,
      onRetry: ({ resource, status, delayMs, attempt }) => reporter.warn(`${resource}: ${status === 429 ? 'throttled' : status === 'timeout' ? 'no answer' : status === 'network' ? 'network error' : `HTTP ${status}`}, retry ${attempt} in ${(delayMs / 1000).toFixed(1)} s`),
    });
  } catch (error) {
    if (error instanceof EndpointError || error instanceof AuthError) throw new InventorySourceError(error.message);
    throw error;
  }
  try {
    // Fail fast, before any request, when no token can be had.
    await tokens.token();
    const started = Date.now();
    const snapshot = await collectInventory(client, { tenantId: options.tenant, onProgress: (m) => reporter.info(m) });
    reporter.info(`collected in ${((Date.now() - started) / 1000).toFixed(1)} s: ${client.stats.requests} requests, ${client.stats.retries} retries`);
    for (const gap of snapshot.gaps) reporter.warn(`incomplete: ${gap.resource}: ${gap.reason}`);
    return snapshot;
  } catch (error) {
    if (error instanceof AuthError) throw new InventorySourceError(error.message);
    throw error;
  }
}

export function collectCommand(setExit: (code: number) => void): Command {
  const inventory = addGraphAccessOptions(new Command('inventory')
    .description('read the tenant\'s applications, service principals, grants, roles and policies into a snapshot'))
    .requiredOption('--out <file>', 'where to write the snapshot (JSON)')
    .option('-q, --quiet', 'no status lines on stderr (errors still shown)')
    .action(async (options: InventorySourceOptions & { out: string; quiet?: boolean }) => {
      const reporter = createReporter(process.stderr, Boolean(options.quiet));
      let snapshot: InventorySnapshot;
      try {
        snapshot = await collectFromGraph(options, reporter);
      } catch (error) {
        if (!(error instanceof InventorySourceError)) throw error;
        reporter.error(error.message);
        setExit(EXIT.usage);
        return;
      }
      await writeFile(options.out, `${JSON.stringify(snapshot, null, 1)}\n`);
      const unread = new Set(snapshot.gaps.map((g) => g.resource));
      if (unread.has('applications') && unread.has('servicePrincipals')) {
        // Nothing that posture is about could be read: exit 3, as for logs of which nothing could be read.
        reporter.error(`wrote ${options.out}, but neither applications nor service principals could be read: ${snapshot.gaps.find((g) => g.resource === 'applications')!.reason}`);
        setExit(EXIT.noInput);
        return;
      }
      const counts = `${snapshot.applications.length} applications, ${snapshot.servicePrincipals.length} service principals, ${snapshot.oauth2PermissionGrants.length} delegated grants, ${snapshot.appRoleAssignments.length} app-role assignments, ${snapshot.roleAssignments.length} role assignments`;
      if (snapshot.gaps.length > 0) reporter.warn(`wrote ${options.out}: ${counts}; INCOMPLETE, ${snapshot.gaps.length} part${snapshot.gaps.length === 1 ? '' : 's'} not collected (listed in its gaps)`);
      else reporter.info(`wrote ${options.out}: ${counts}`);
      setExit(EXIT.ok);
    });
  return new Command('collect').description('read state from Microsoft Graph').addCommand(inventory);
}

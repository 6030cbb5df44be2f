/**
 * @module watch/tenant-client
 * The Graph client for one watched tenant, from its `auth` settings. Secrets come only from the environment
 * variables the configuration names; the file holds ids, paths and variable names.
 */
import type { TenantConfig } from '../config/config.js';
import { tokenProvider } from '../posture/graph/auth.js';
import { GraphClient, type GraphClientOptions } from '../posture/graph/client.js';
import { authorityHost, graphEndpoint } from '../posture/graph/endpoint.js';

export class TenantAuthError extends Error {}

export function tenantGraphClient(tenant: TenantConfig, options: Pick<GraphClientOptions, 'onRetry' | 'userAgent' | 'timeoutMs' | 'admit'> & { requestsPer10Seconds?: number } = {}): GraphClient {
  const auth = tenant.auth ?? {};
  const secret = (name: string | undefined, what: string): string | undefined => {
    if (!name) return undefined;
    const value = process.env[name];
    if (!value) throw new TenantAuthError(`tenant ${tenant.name ?? tenant.id}: ${what} is to come from environment variable ${name}, which is not set`);
    return value;
  };
  const graph = graphEndpoint(tenant.graphUrl);
  const authority = authorityHost(auth.authorityHost ?? process.env.AZURE_AUTHORITY_HOST);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // A tenant's own settings replace the process-wide ones, so two tenants never share a credential by accident.
    ...(auth.clientId ? { AZURE_CLIENT_ID: auth.clientId, AZURE_CLIENT_CERTIFICATE_PATH: auth.certificatePath ?? '' } : {}),
    ...(auth.certificatePasswordEnv ? { AZURE_CLIENT_CERTIFICATE_PASSWORD: secret(auth.certificatePasswordEnv, 'the certificate password') } : {}),
    APPWATCH_ACCESS_TOKEN: secret(auth.accessTokenEnv, 'the access token') ?? (auth.clientId ? '' : process.env.APPWATCH_ACCESS_TOKEN),
  };
  const clientSecret = secret(auth.clientSecretEnv, 'the client secret');
  const tokens = tokenProvider({
    tenant: tenant.id, scope: graph.scope, disableInstanceDiscovery: authority.disableInstanceDiscovery, env,
    ...(authority.host ? { authorityHost: authority.host } : {}),
    ...(clientSecret ? { clientSecret } : {}),
  });
  const { requestsPer10Seconds, ...clientOptions } = options;
  return new GraphClient({
    ...clientOptions, baseUrl: graph.baseUrl, tokens,
    headers: { Prefer: 'include-unknown-enum-members' },
    // Identity reports: 5 requests per 10 s per app per tenant (poll.requestsPer10Seconds if Microsoft changes it).
    rateLimit: { requests: requestsPer10Seconds ?? 5, perMs: 10_000 },
  });
}

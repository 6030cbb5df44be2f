/**
 * @module posture/graph/auth
 * How appwatch gets a Microsoft Graph token. In order:
 * 1. a token obtained elsewhere: `--access-token-file FILE` or `APPWATCH_ACCESS_TOKEN`;
 * 2. a client certificate (`AZURE_CLIENT_ID` + `AZURE_CLIENT_CERTIFICATE_PATH`), the documented first choice: the
 *    guide recommends certificates over secrets, and @azure/identity's EnvironmentCredential would prefer a
 *    secret when both are set;
 * 3. DefaultAzureCredential: environment (`AZURE_CLIENT_SECRET`), workload identity, managed identity, Azure CLI…
 * Tokens are never written to logs or errors.
 */
import { readFileSync } from 'node:fs';
import { ClientCertificateCredential, ClientSecretCredential, DefaultAzureCredential, type TokenCredential } from '@azure/identity';

export interface TokenProvider {
  /** A bearer token for Graph; `refresh` asks for a new one after a 401. */
  token(refresh?: boolean): Promise<string>;
  /** How the token is obtained, for status lines (never the token). */
  readonly description: string;
}

export class AuthError extends Error {}

export interface AuthOptions {
  tenant?: string;
  scope: string;
  accessTokenFile?: string;
  authorityHost?: string;
  disableInstanceDiscovery: boolean;
  env?: NodeJS.ProcessEnv;
  /** A client secret read from the environment variable a tenant's configuration names (`clientSecretEnv`). */
  clientSecret?: string;
}

function staticToken(value: string, description: string): TokenProvider {
  const token = value.trim().replace(/^Bearer\s+/i, '');
  if (token === '' || /\s/.test(token)) throw new AuthError(`${description}: not a bearer token (empty, or more than one word)`);
  return { description, token: async () => token };
}

function credentialProvider(credential: TokenCredential, scope: string, description: string): TokenProvider {
  let cached: { token: string; expiresOnTimestamp: number } | undefined;
  return {
    description,
    async token(refresh = false) {
      // Five minutes' margin, so a long collection never sends a token that expires mid-flight.
      if (!refresh && cached && cached.expiresOnTimestamp - 300_000 > Date.now()) return cached.token;
      try {
        const result = await credential.getToken(scope);
        if (!result) throw new Error('no token returned');
        cached = result;
        return result.token;
      } catch (error) {
        // @azure/identity's messages name the credential that failed and why; they carry no secrets.
        throw new AuthError(`could not get a Microsoft Graph token (${description}): ${(error as Error).message.split('\n')[0]}`);
      }
    },
  };
}

export function tokenProvider(options: AuthOptions): TokenProvider {
  const env = options.env ?? process.env;
  if (options.accessTokenFile) {
    let text: string;
    try {
      text = readFileSync(options.accessTokenFile, 'utf8');
    } catch (error) {
      throw new AuthError(`--access-token-file ${options.accessTokenFile}: ${(error as Error).message}`);
    }
    return staticToken(text, `access token from ${options.accessTokenFile}`);
  }
  if (env.APPWATCH_ACCESS_TOKEN) return staticToken(env.APPWATCH_ACCESS_TOKEN, 'access token from APPWATCH_ACCESS_TOKEN');
  const tenantId = options.tenant ?? env.AZURE_TENANT_ID;
  const common = {
    ...(options.authorityHost ? { authorityHost: options.authorityHost } : {}),
    ...(options.disableInstanceDiscovery ? { disableInstanceDiscovery: true } : {}),
  };
  if (env.AZURE_CLIENT_ID && env.AZURE_CLIENT_CERTIFICATE_PATH) {
    if (!tenantId) throw new AuthError('a client certificate needs the tenant: --tenant or AZURE_TENANT_ID');
    const credential = new ClientCertificateCredential(tenantId, env.AZURE_CLIENT_ID, {
      certificatePath: env.AZURE_CLIENT_CERTIFICATE_PATH,
      ...(env.AZURE_CLIENT_CERTIFICATE_PASSWORD ? { certificatePassword: env.AZURE_CLIENT_CERTIFICATE_PASSWORD } : {}),
      ...(env.AZURE_CLIENT_SEND_CERTIFICATE_CHAIN === 'true' ? { sendCertificateChain: true } : {}),
    }, common);
    return credentialProvider(credential, options.scope, `client certificate of app ${env.AZURE_CLIENT_ID}`);
  }
  if (env.AZURE_CLIENT_ID && options.clientSecret) {
    if (!tenantId) throw new AuthError('a client secret needs the tenant: --tenant or AZURE_TENANT_ID');
    return credentialProvider(new ClientSecretCredential(tenantId, env.AZURE_CLIENT_ID, options.clientSecret, common), options.scope, `client secret of app ${env.AZURE_CLIENT_ID}`);
  }
  const credential = new DefaultAzureCredential({ ...(tenantId ? { tenantId } : {}), ...common });
  return credentialProvider(credential, options.scope, 'DefaultAzureCredential');
}

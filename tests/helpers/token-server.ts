/**
 * A local Microsoft Entra token endpoint over HTTPS for tests (MSAL refuses http:// authorities): a test
 * certificate authority made with openssl, the OpenID configuration MSAL reads, and a client-credentials token
 * endpoint that checks the client assertion's signature against the client's certificate, as Entra does.
 * The CLI trusts the test CA through NODE_EXTRA_CA_CERTS.
 */
import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey, verify, constants, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface TestPki { caFile: string; serverKey: string; serverCert: string; clientPemFile: string; clientCert: string }

/** A CA, a server certificate for 127.0.0.1 signed by it, and a self-signed client certificate (key + cert PEM). */
export function makeTestPki(dir: string): TestPki {
  const run = (args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  };
  writeFileSync(join(dir, 'ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n');
  writeFileSync(join(dir, 'server.ext'), 'basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n');
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.csr', '-subj', '/CN=appwatch test CA']);
  run(['x509', '-req', '-in', 'ca.csr', '-signkey', 'ca.key', '-out', 'ca.pem', '-days', '2', '-extfile', 'ca.ext']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext']);
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.crt', '-days', '2', '-subj', '/CN=appwatch-collector']);
  const clientPemFile = join(dir, 'client.pem');
  writeFileSync(clientPemFile, readFileSync(join(dir, 'client.key'), 'utf8') + readFileSync(join(dir, 'client.crt'), 'utf8'));
  return {
    caFile: join(dir, 'ca.pem'),
    serverKey: readFileSync(join(dir, 'server.key'), 'utf8'),
    serverCert: readFileSync(join(dir, 'server.pem'), 'utf8'),
    clientPemFile,
    clientCert: readFileSync(join(dir, 'client.crt'), 'utf8'),
  };
}

export interface TokenRequestSeen { tenant: string; clientId?: string; scope?: string; grantType?: string; assertionAlg?: string; assertionValid: boolean; thumbprintMatches: boolean }

export interface TokenServer { authorityHost: string; seen: TokenRequestSeen[]; close(): Promise<void> }

const b64url = (s: string): Buffer => Buffer.from(s, 'base64url');

/** Checks a client assertion JWT (RS256 or PS256) against the certificate, and its x5t/x5t#S256 thumbprint. */
function checkAssertion(jwt: string, cert: X509Certificate): { alg?: string; valid: boolean; thumbprint: boolean } {
  const [h, p, s] = jwt.split('.');
  if (!h || !p || !s) return { valid: false, thumbprint: false };
  const header = JSON.parse(b64url(h).toString('utf8')) as { alg?: string; x5t?: string; 'x5t#S256'?: string };
  const key = createPublicKey(cert.toString());
  const data = Buffer.from(`${h}.${p}`);
  const valid = header.alg === 'PS256'
    ? verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, b64url(s))
    : header.alg === 'RS256' ? verify('sha256', data, key, b64url(s)) : false;
  const sha1 = createHash('sha1').update(cert.raw).digest('base64url');
  const sha256 = createHash('sha256').update(cert.raw).digest('base64url');
  const thumbprint = header['x5t#S256'] === sha256 || header.x5t === sha1;
  return { ...(header.alg ? { alg: header.alg } : {}), valid, thumbprint };
}

export async function startTokenServer(pki: TestPki, options: { accessToken: string; clientId: string; refuse?: boolean }): Promise<TokenServer> {
  const seen: TokenRequestSeen[] = [];
  const clientCert = new X509Certificate(pki.clientCert);
  let origin = '';
  const server: Server = createServer({ key: pki.serverKey, cert: pki.serverCert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', origin);
      const json = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(body));
      };
      let m = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
      if (m) {
        const tenant = m[1]!;
        return json(200, {
          token_endpoint: `${origin}/${tenant}/oauth2/v2.0/token`,
          token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
          jwks_uri: `${origin}/${tenant}/discovery/v2.0/keys`,
          response_modes_supported: ['query', 'fragment', 'form_post'],
          subject_types_supported: ['pairwise'],
          id_token_signing_alg_values_supported: ['RS256'],
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
          issuer: `${origin}/${tenant}/v2.0`,
          request_uri_parameter_supported: false,
          userinfo_endpoint: `${origin}/oidc/userinfo`,
          authorization_endpoint: `${origin}/${tenant}/oauth2/v2.0/authorize`,
          device_authorization_endpoint: `${origin}/${tenant}/oauth2/v2.0/devicecode`,
          http_logout_supported: true,
          frontchannel_logout_supported: true,
          end_session_endpoint: `${origin}/${tenant}/oauth2/v2.0/logout`,
          claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'tid'],
          kerberos_endpoint: `${origin}/${tenant}/kerberos`,
          tenant_region_scope: 'EU',
          cloud_instance_name: 'microsoftonline.com',
          cloud_graph_host_name: 'graph.windows.net',
          msgraph_host: 'graph.microsoft.com',
          rbac_url: 'https://pas.windows.net',
        });
      }
      m = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
      if (m && req.method === 'POST') {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        const assertion = form.get('client_assertion') ?? '';
        const check = assertion ? checkAssertion(assertion, clientCert) : { valid: false, thumbprint: false };
        seen.push({
          tenant: m[1]!, ...(form.get('client_id') ? { clientId: form.get('client_id')! } : {}), ...(form.get('scope') ? { scope: form.get('scope')! } : {}),
          ...(form.get('grant_type') ? { grantType: form.get('grant_type')! } : {}), ...('alg' in check && check.alg ? { assertionAlg: check.alg } : {}),
          assertionValid: check.valid, thumbprintMatches: check.thumbprint,
        });
        if (options.refuse || !check.valid || form.get('client_id') !== options.clientId) {
          return json(401, { error: 'invalid_client', error_description: 'AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application.', error_codes: [700027], timestamp: new Date().toISOString(), trace_id: '00000000-0000-0000-0000-000000000001', correlation_id: '00000000-0000-0000-0000-000000000002' });
        }
        return json(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: options.accessToken });
      }
      json(404, { error: 'not_found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { authorityHost: origin, seen, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

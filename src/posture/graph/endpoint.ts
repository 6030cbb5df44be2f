/**
 * @module posture/graph/endpoint
 * Where appwatch talks to: the Microsoft Graph base URL (`--graph-url`, version path included or added) and the
 * Entra authority host (`--authority-host`). A bearer token goes to these hosts only, so plain `http://` is
 * accepted for loopback addresses alone (tests, local proxies), never for a remote host.
 */
import ipaddr from 'ipaddr.js';

export const DEFAULT_GRAPH_URL = 'https://graph.microsoft.com';
export const GRAPH_VERSIONS = ['v1.0', 'beta'] as const;

/** Public and national cloud authority hosts, for which MSAL's instance discovery works. */
const KNOWN_AUTHORITY_HOSTS = new Set(['login.microsoftonline.com', 'login.microsoftonline.us', 'login.chinacloudapi.cn', 'login.partner.microsoftonline.cn']);

export class EndpointError extends Error {}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (!ipaddr.isValid(host)) return false;
  const address = ipaddr.process(host);
  return address.range() === 'loopback';
}

function parseHttpUrl(value: string, option: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new EndpointError(`${option} ${value}: not a URL`);
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) throw new EndpointError(`${option} ${value}: http:// is accepted only for loopback addresses; use https://`);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new EndpointError(`${option} ${value}: must be https://`);
  if (url.username || url.password) throw new EndpointError(`${option}: credentials do not belong in the URL`);
  return url;
}

/** The Graph base URL with its version path (`https://graph.microsoft.com/v1.0`), and the token scope for it. */
export function graphEndpoint(value = DEFAULT_GRAPH_URL): { baseUrl: string; version: string; scope: string } {
  const url = parseHttpUrl(value, '--graph-url');
  url.search = '';
  url.hash = '';
  const path = url.pathname.replace(/\/+$/, '');
  const last = path.split('/').pop() ?? '';
  const version = (GRAPH_VERSIONS as readonly string[]).includes(last) ? last : 'v1.0';
  const basePath = last === version ? path : `${path}/${version}`;
  return { baseUrl: `${url.origin}${basePath}`, version, scope: `${url.origin}/.default` };
}

/** The authority host, and whether MSAL must skip instance discovery (anything but a known Microsoft cloud). */
export function authorityHost(value: string | undefined): { host?: string; disableInstanceDiscovery: boolean } {
  if (value === undefined) return { disableInstanceDiscovery: false };
  const url = parseHttpUrl(value, '--authority-host');
  return { host: url.origin, disableInstanceDiscovery: !KNOWN_AUTHORITY_HOSTS.has(url.hostname.toLowerCase()) };
}

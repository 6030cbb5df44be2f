/**
 * @module enrich/uris
 * What an application URI change did: redirect (reply) URIs added and removed from the AppAddress property,
 * application ID URIs added and removed (AppIdentifierUri), and the sign-out URL (LogoutUrl). Added redirect
 * URIs get flags an analyst acts on: not HTTPS (http to loopback is allowed for native clients), wildcard,
 * an IP literal, localhost.
 */
import type { CanonicalEvent } from '../model/event.js';
import { property } from './audit-properties.js';

export interface UriInfo {
  uri: string;
  host?: string;
  flags: string[];
}

export interface UriChanges {
  redirect?: { added: UriInfo[]; removed: string[] };
  identifierUris?: { added: string[]; removed: string[] };
  logoutUrl?: { old?: string; new?: string; blank: boolean };
}

function addressesOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === null || value === undefined || value === '' ? [] : [value];
  return list.map((a) => (a && typeof a === 'object' ? (a as { Address?: unknown }).Address : a)).filter((a): a is string => typeof a === 'string' && a !== '');
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

export function uriFlags(uri: string): UriInfo {
  const flags: string[] = [];
  if (uri.includes('*')) flags.push('wildcard');
  let host: string | undefined;
  let scheme = '';
  try {
    const url = new URL(uri.replace(/\*/g, 'wildcard'));
    host = url.hostname;
    scheme = url.protocol;
  } catch {
    flags.push('unparseable');
  }
  if (host !== undefined) {
    const loopback = LOOPBACK.test(host);
    if (scheme === 'http:' && !loopback) flags.push('not-https');
    if (host.toLowerCase() === 'localhost') flags.push('localhost');
    else if (IPV4.test(host) || host.startsWith('[')) flags.push('ip-literal');
  }
  return { uri, ...(host ? { host } : {}), flags };
}

export function uriChanges(event: CanonicalEvent): UriChanges | undefined {
  const out: UriChanges = {};
  const address = property(event, 'AppAddress');
  if (address) {
    const before = new Set(addressesOf(address.oldValue).map((a) => a.toLowerCase()));
    const after = addressesOf(address.newValue);
    const afterSet = new Set(after.map((a) => a.toLowerCase()));
    out.redirect = {
      added: after.filter((a) => !before.has(a.toLowerCase())).map(uriFlags),
      removed: addressesOf(address.oldValue).filter((a) => !afterSet.has(a.toLowerCase())),
    };
  }
  const identifier = property(event, 'AppIdentifierUri');
  if (identifier) {
    const before = addressesOf(identifier.oldValue);
    const after = addressesOf(identifier.newValue);
    out.identifierUris = { added: after.filter((a) => !before.includes(a)), removed: before.filter((a) => !after.includes(a)) };
  }
  const logout = property(event, 'LogoutUrl');
  if (logout) {
    const oldUrl = addressesOf(logout.oldValue)[0];
    const newUrl = addressesOf(logout.newValue)[0];
    out.logoutUrl = { ...(oldUrl ? { old: oldUrl } : {}), ...(newUrl ? { new: newUrl } : {}), blank: newUrl === undefined };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

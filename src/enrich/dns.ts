/**
 * @module enrich/dns
 * Dangling redirect URIs (guide row 14): an added host that does not resolve (NXDOMAIN), or that is a CNAME to
 * a re-registrable cloud name (azurewebsites.net, cloudapp.net, trafficmanager.net, blob.core.windows.net,
 * azureedge.net, …) that no longer resolves, can be claimed by anyone, who then receives the app's tokens.
 * Answers are cached for the run (and for at most `ttlMs`); the resolver is configurable (`dns.servers`).
 */
import { Resolver } from 'node:dns/promises';

/** Cloud names anyone can register again once the original owner deletes the resource. */
export const REREGISTRABLE_SUFFIXES = [
  'azurewebsites.net', 'cloudapp.net', 'cloudapp.azure.com', 'trafficmanager.net', 'blob.core.windows.net',
  'azureedge.net', 'azurefd.net', 'azure-api.net', 'azurecontainer.io', 'azurestaticapps.net', 'database.windows.net',
  'servicebus.windows.net', 'search.windows.net', 'redis.cache.windows.net', 'azurehdinsight.net', 'azurecr.io',
];

export interface DnsVerdict {
  host: string;
  checked: true;
  dangling: boolean;
  reason: string;
  answers: { cname?: string[]; addresses?: string[]; error?: string };
}

export interface DnsOptions {
  servers?: string[];
  timeoutMs?: number;
  ttlMs?: number;
}

const reregistrable = (name: string): boolean => {
  const n = name.toLowerCase().replace(/\.$/, '');
  return REREGISTRABLE_SUFFIXES.some((s) => n === s || n.endsWith(`.${s}`));
};

export class DanglingChecker {
  private readonly resolver: Resolver;
  private readonly cache = new Map<string, { at: number; verdict: Promise<DnsVerdict> }>();
  private readonly ttlMs: number;

  constructor(options: DnsOptions = {}) {
    this.resolver = new Resolver({ timeout: options.timeoutMs ?? 3000, tries: 2 });
    if (options.servers && options.servers.length > 0) this.resolver.setServers(options.servers);
    this.ttlMs = options.ttlMs ?? 10 * 60_000;
  }

  check(host: string): Promise<DnsVerdict> {
    const key = host.toLowerCase();
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.verdict;
    const verdict = this.resolve(key);
    this.cache.set(key, { at: Date.now(), verdict });
    return verdict;
  }

  private async addresses(host: string): Promise<{ addresses?: string[]; error?: string }> {
    const [v4, v6] = await Promise.allSettled([this.resolver.resolve4(host), this.resolver.resolve6(host)]);
    const addresses = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
    if (addresses.length > 0) return { addresses };
    const reasons = [v4, v6].filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason as NodeJS.ErrnoException).code ?? 'ERROR');
    return { error: reasons.includes('ENOTFOUND') ? 'ENOTFOUND' : reasons[0] ?? 'ENODATA' };
  }

  private async resolve(host: string): Promise<DnsVerdict> {
    let cname: string[] | undefined;
    try {
      cname = await this.resolver.resolveCname(host);
    } catch {
      cname = undefined;
    }
    const target = cname?.[0];
    const own = await this.addresses(host);
    if (target) {
      const targetAddresses = await this.addresses(target);
      if (!targetAddresses.addresses && reregistrable(target)) {
        return { host, checked: true, dangling: true, reason: `CNAME to ${target}, a re-registrable cloud name that no longer resolves (${targetAddresses.error})`, answers: { cname, ...targetAddresses } };
      }
      return { host, checked: true, dangling: false, reason: `CNAME to ${target}${targetAddresses.addresses ? ', which resolves' : ''}`, answers: { cname, ...targetAddresses } };
    }
    if (own.addresses) return { host, checked: true, dangling: false, reason: 'resolves', answers: own };
    if (own.error === 'ENOTFOUND') return { host, checked: true, dangling: true, reason: 'the name does not exist (NXDOMAIN)', answers: own };
    return { host, checked: true, dangling: false, reason: `not resolved (${own.error}); not judged dangling`, answers: own };
  }
}

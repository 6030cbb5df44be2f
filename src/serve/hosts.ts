/**
 * @module serve/hosts
 * The Host header allow-list against DNS rebinding: a page on attacker.example whose name is made to resolve to
 * 127.0.0.1 reaches the dashboard's socket, but its requests carry `Host: attacker.example:PORT`, which is refused.
 * Allowed: 127.0.0.1:PORT, localhost:PORT, the bound host and any --allow-host name, each with the port.
 */

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

/** `name:port`, lower-case, IPv6 literals in brackets (as browsers write the Host header). */
export function hostWithPort(name: string, port: number): string {
  const bare = name.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return `${bare.includes(':') ? `[${bare}]` : bare}:${port}`;
}

export function allowedHosts(bind: string, port: number, extra: readonly string[] = []): Set<string> {
  const names = ['127.0.0.1', 'localhost', ...(WILDCARDS.has(bind) ? [] : [bind]), ...extra];
  return new Set(names.filter((n) => n.trim() !== '').map((n) => hostWithPort(n, port)));
}

/** Whether a Host header names this dashboard. Browsers leave out port 80, so a bare name counts only then. */
export function isAllowedHost(header: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (!header) return false;
  const host = header.trim().toLowerCase();
  if (allowed.has(host)) return true;
  return !/:\d+$/.test(host) && allowed.has(`${host}:80`);
}

/** The origins a same-origin request from the dashboard's own page can carry. */
export function allowedOrigins(hosts: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  for (const h of hosts) {
    out.add(`http://${h}`);
    if (h.endsWith(':80')) out.add(`http://${h.slice(0, -3)}`);
  }
  return out;
}

/**
 * @module serve/server
 * Puts the dashboard on a socket: binds the host and port (0 = a free port the system picks), then fills the Host
 * allow-list with the port actually bound. Until then the allow-list is empty, so nothing is served early.
 */
import { createAdaptorServer } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createDashboardApp, type DashboardOptions } from './app.js';
import { allowedHosts, hostWithPort } from './hosts.js';

export interface ListenOptions {
  host: string;
  port: number;
  /** Further names the Host header may carry (--allow-host), e.g. a name in /etc/hosts. */
  allowHosts?: readonly string[];
}

export interface RunningDashboard {
  port: number;
  /** The address to open, with the launch token (print it once). */
  url: string;
  hosts: ReadonlySet<string>;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export const isLoopback = (host: string): boolean => LOOPBACK.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);

export async function startDashboard(options: Omit<DashboardOptions, 'hosts' | 'port'>, listen: ListenOptions): Promise<RunningDashboard> {
  let hosts: ReadonlySet<string> = new Set();
  let port = 0;
  const app = createDashboardApp({ ...options, hosts: () => hosts, port: () => port });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host.replace(/^\[(.*)\]$/, '$1'), () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  hosts = allowedHosts(listen.host, port, listen.allowHosts ?? []);
  // A wildcard bind is reachable from elsewhere, but the address printed is the loopback one.
  const shown = ['0.0.0.0', '::', '[::]'].includes(listen.host) ? '127.0.0.1' : listen.host;
  const url = `http://${hostWithPort(shown, port)}/?token=${encodeURIComponent(options.sessions.token)}`;
  return {
    port, url, hosts,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections?.();
    }),
  };
}

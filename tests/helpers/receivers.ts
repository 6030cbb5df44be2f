/**
 * Local receivers for the delivery tests (no network): an HTTP(S) webhook receiver that records what it was sent
 * and can be told to fail (a status with headers, hang, or be down = not listening), and syslog receivers over
 * TCP and TLS (RFC 6587 octet-counted frames) and UDP (one message a datagram). Each can be stopped and started
 * again on the same port, as a receiver that restarts.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { AddressInfo } from 'node:net';

export interface TlsIdentity { key: string; cert: string }

/** Polls until `check` holds (or throws after `timeoutMs`). */
export async function waitFor(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function listen(server: NetServer | HttpServer, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

async function closeServer(server: NetServer | HttpServer, sockets: Set<Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  sockets.clear();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A server that can be stopped and started again on the same port: a receiver that is down for a while. */
async function restartable(make: () => NetServer | HttpServer, sockets: Set<Socket>): Promise<{ port: number; stop(): Promise<void>; start(): Promise<void>; close(): Promise<void> }> {
  let server: NetServer | HttpServer | undefined = make();
  const port = await listen(server, 0);
  const stop = async (): Promise<void> => {
    if (server) await closeServer(server, sockets);
    server = undefined;
  };
  const start = async (): Promise<void> => {
    if (server) return;
    server = make();
    await listen(server, port);
  };
  return { port, stop, start, close: stop };
}

// ---------------------------------------------------------------------------------------------------------------
// Webhook

export type Behaviour = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered ('hang' when it never did). */
  answered: number | 'hang';
}

export interface WebhookReceiver {
  /** http(s)://127.0.0.1:<port>/hook */
  readonly url: string;
  readonly port: number;
  /** Every request, in arrival order, including the ones answered with a failure. */
  readonly requests: ReceivedRequest[];
  /** Requests answered 2xx. */
  accepted(): ReceivedRequest[];
  /** The behaviour for requests with nothing queued (initially 200). */
  behave(behaviour: Behaviour): void;
  /** Behaviours for the next requests, one each, before the default applies again. */
  queue(...behaviours: Behaviour[]): void;
  /** Stops listening (the receiver is down: connections are refused); `start` listens on the same port again. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(options: { tls?: TlsIdentity } = {}): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const queued: Behaviour[] = [];
  let fallback: Behaviour = { status: 200, body: 'ok' };
  const sockets = new Set<Socket>();
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const behaviour = queued.shift() ?? fallback;
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        answered: behaviour === 'hang' ? 'hang' : behaviour.status,
      });
      if (behaviour === 'hang') return;
      res.writeHead(behaviour.status, { 'content-type': 'text/plain', ...behaviour.headers });
      res.end(behaviour.body ?? '');
    });
  };
  const make = (): HttpServer => {
    const server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handler) : createHttpServer(handler);
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    return server;
  };
  const { port, stop, start, close } = await restartable(make, sockets);
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}/hook`,
    port, stop, start, close,
    requests,
    accepted: () => requests.filter((r) => typeof r.answered === 'number' && r.answered >= 200 && r.answered < 300),
    behave: (b) => {
      fallback = b;
    },
    queue: (...bs) => {
      queued.push(...bs);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Syslog

export interface SyslogReceiver {
  readonly port: number;
  /** Messages in arrival order (frames decoded for TCP/TLS; datagrams for UDP). */
  readonly messages: string[];
  /** TCP/TLS: connections accepted so far; a frame that did not decode (bad length) is recorded as an error. */
  readonly connections: number;
  readonly errors: string[];
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Splits octet-counted frames (`<length> <message>`, RFC 6587 §3.4.1) out of a byte stream. */
export function octetFrameParser(onMessage: (message: string) => void, onError: (error: string) => void): (chunk: Buffer) => void {
  let buffer = Buffer.alloc(0);
  return (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const space = buffer.indexOf(0x20);
      if (space < 0) {
        if (buffer.length > 10) onError(`no frame length in ${JSON.stringify(buffer.subarray(0, 20).toString())}`);
        return;
      }
      const digits = buffer.subarray(0, space).toString('ascii');
      if (!/^[1-9]\d{0,8}$/.test(digits)) {
        onError(`bad frame length ${JSON.stringify(digits)}`);
        buffer = Buffer.alloc(0);
        return;
      }
      const length = Number(digits);
      if (buffer.length < space + 1 + length) return;
      onMessage(buffer.subarray(space + 1, space + 1 + length).toString('utf8'));
      buffer = buffer.subarray(space + 1 + length);
    }
  };
}

export async function startSyslogReceiver(protocol: 'tcp' | 'tls' | 'udp', options: { tls?: TlsIdentity } = {}): Promise<SyslogReceiver> {
  const messages: string[] = [];
  const errors: string[] = [];
  let connections = 0;
  if (protocol === 'udp') {
    let socket: UdpSocket | undefined;
    const bind = async (port: number): Promise<number> => {
      const s = createSocket('udp4');
      s.on('message', (m) => messages.push(m.toString('utf8')));
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.bind(port, '127.0.0.1', () => resolve());
      });
      socket = s;
      return s.address().port;
    };
    const port = await bind(0);
    const stop = async (): Promise<void> => {
      const s = socket;
      socket = undefined;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    };
    return {
      port, messages, errors,
      get connections() { return 0; },
      stop,
      start: async () => {
        if (!socket) await bind(port);
      },
      close: stop,
    };
  }
  const sockets = new Set<Socket>();
  const onSocket = (s: Socket): void => {
    connections++;
    sockets.add(s);
    const parse = octetFrameParser((m) => messages.push(m), (e) => errors.push(e));
    s.on('data', parse);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  };
  const make = (): NetServer => {
    if (protocol === 'tls') {
      if (!options.tls) throw new Error('a TLS syslog receiver needs a key and certificate');
      return createTlsServer({ key: options.tls.key, cert: options.tls.cert }, onSocket);
    }
    return createNetServer(onSocket);
  };
  const { port, stop, start, close } = await restartable(make, sockets);
  return {
    port, messages, errors, stop, start, close,
    get connections() { return connections; },
  };
}

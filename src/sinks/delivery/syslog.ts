/**
 * @module sinks/delivery/syslog
 * `type: syslog`: RFC 5424 messages carrying CEF, over TCP or TLS (RFC 6587 octet counting, one connection kept
 * open and reopened after a failure) or UDP (one datagram a message). TCP and TLS report success once the frame is
 * flushed to the socket; syslog has no application acknowledgement, so that is as far as "received" can be known.
 * UDP reports success once the datagram is sent: best effort, never at least once.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Alert } from '../../alerts/types.js';
import { cefLine } from './cef.js';
import type { SyslogSinkConfig } from './config.js';
import { octetCounted, rfc5424 } from './rfc5424.js';
import { DeliveryError, SendQueue, type DeliverySink } from './sink.js';

export interface SyslogOptions {
  version: string;
  /** RFC 5424 HOSTNAME (default: os.hostname()). */
  hostname?: string;
}

function reason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ? `${e.code}${e.message && !e.message.includes(e.code) ? ` (${e.message})` : ''}` : e.message;
}

/** One TCP or TLS connection, opened on first use and after any failure. */
class StreamConnection {
  private socket: Socket | undefined;

  constructor(
    private readonly config: SyslogSinkConfig,
    private readonly ca: string | undefined,
  ) {}

  private get where(): string {
    return `syslog ${this.config.protocol} ${this.config.host}:${this.config.port}`;
  }

  async write(frame: Buffer): Promise<void> {
    const socket = this.socket ?? (await this.open());
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        // The receiver stopped reading: the frame may be half sent, so this connection is finished.
        this.drop(socket);
        reject(new DeliveryError(`${this.where}: write not flushed within ${this.config.timeoutMs} ms`, { retryable: true }));
      }, this.config.timeoutMs);
      socket.write(frame, (error) => {
        clearTimeout(timer);
        if (!error) return resolve();
        this.drop(socket);
        reject(new DeliveryError(`${this.where}: write failed: ${reason(error)}`, { retryable: true }));
      });
    });
  }

  private open(): Promise<Socket> {
    const { host, port, protocol, timeoutMs } = this.config;
    return new Promise<Socket>((resolve, reject) => {
      const socket: Socket = protocol === 'tls'
        ? tlsConnect({
          host,
          port,
          ...(this.ca ? { ca: this.ca } : {}),
          // SNI takes names only; the certificate is still checked against an IP address.
          ...(isIP(host) ? {} : { servername: host }),
          minVersion: 'TLSv1.2',
        })
        : netConnect({ host, port });
      const fail = (error: unknown): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(new DeliveryError(`${this.where}: cannot connect: ${reason(error)}`, { retryable: true }));
      };
      const timer = setTimeout(() => fail(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
      socket.once('error', fail);
      socket.once(protocol === 'tls' ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', fail);
        socket.setNoDelay(true);
        socket.setKeepAlive(true, 60_000);
        // A receiver closing its side (restart, idle timeout) retires the connection before the next write.
        socket.on('error', () => this.drop(socket));
        socket.on('end', () => this.drop(socket));
        socket.on('close', () => this.drop(socket));
        socket.resume(); // syslog receivers send nothing; never let unread bytes pile up
        this.socket = socket;
        resolve(socket);
      });
    });
  }

  private drop(socket: Socket): void {
    if (this.socket === socket) this.socket = undefined;
    socket.destroy();
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        socket.destroy();
        resolve();
      }, 1000);
      socket.end(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    socket.destroy();
  }
}

/** One UDP socket; the host is resolved once, and again after a failure. */
class DatagramSender {
  private socket: UdpSocket | undefined;
  private address: string | undefined;

  constructor(private readonly config: SyslogSinkConfig) {}

  async write(message: Buffer): Promise<void> {
    const where = `syslog udp ${this.config.host}:${this.config.port}`;
    try {
      if (!this.socket || !this.address) {
        const { address, family } = await lookup(this.config.host);
        const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
        socket.on('error', () => this.reset());
        this.socket = socket;
        this.address = address;
      }
      const socket = this.socket;
      await new Promise<void>((resolve, reject) => socket.send(message, this.config.port, this.address, (error) => (error ? reject(error) : resolve())));
    } catch (error) {
      this.reset();
      throw new DeliveryError(`${where}: cannot send: ${reason(error)}`, { retryable: true });
    }
  }

  private reset(): void {
    const socket = this.socket;
    this.socket = undefined;
    this.address = undefined;
    try {
      socket?.close();
    } catch {
      // already closed
    }
  }

  async close(): Promise<void> {
    this.reset();
  }
}

export function createSyslogSink(config: SyslogSinkConfig, options: SyslogOptions): DeliverySink {
  const ca = config.caFile ? readFileSync(config.caFile, 'utf8') : undefined;
  const transport = config.protocol === 'udp' ? new DatagramSender(config) : new StreamConnection(config, ca);
  const queue = new SendQueue();
  const envelope = { facility: config.facility, ...(options.hostname ? { hostname: options.hostname } : {}) };
  return {
    name: config.name,
    reliable: config.protocol !== 'udp',
    send: (alert: Alert) =>
      queue.run(() => {
        const message = rfc5424(alert, cefLine(alert, options.version), envelope);
        return transport.write(config.protocol === 'udp' ? Buffer.from(message, 'utf8') : octetCounted(message));
      }),
    close: () => queue.run(() => transport.close()),
  };
}

/**
 * A small authoritative DNS server on 127.0.0.1 for tests (no network): answers A, AAAA and CNAME queries from
 * a zone given as data, NXDOMAIN for names it does not know, in the wire format of RFC 1035.
 */
import { createSocket, type Socket } from 'node:dgram';

export type Zone = Record<string, { A?: string[]; AAAA?: string[]; CNAME?: string }>;

const TYPES: Record<number, 'A' | 'AAAA' | 'CNAME'> = { 1: 'A', 28: 'AAAA', 5: 'CNAME' };

function encodeName(name: string): Buffer {
  return Buffer.concat([...name.replace(/\.$/, '').split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
}

function readName(msg: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = offset;
  while (msg[i]! > 0) {
    labels.push(msg.toString('ascii', i + 1, i + 1 + msg[i]!));
    i += msg[i]! + 1;
  }
  return { name: labels.join('.').toLowerCase(), end: i + 1 };
}

function record(type: number, rdata: Buffer, nameOffset = 0x0c): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(0xc000 | nameOffset, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt16BE(1, 4);
  head.writeUInt32BE(60, 6);
  head.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([head, rdata]);
}

export function answer(query: Buffer, zone: Zone): Buffer {
  const { name, end } = readName(query, 12);
  const qtype = query.readUInt16BE(end);
  const question = query.subarray(12, end + 4);
  const entry = zone[name];
  const answers: Buffer[] = [];
  let rcode = 0;
  if (!entry) rcode = 3;
  else {
    const want = TYPES[qtype];
    if (entry.CNAME && want !== 'CNAME') {
      answers.push(record(5, encodeName(entry.CNAME)));
      const target = zone[entry.CNAME.toLowerCase()];
      if (!target) rcode = 3;
      else for (const a of (want === 'A' ? target.A : want === 'AAAA' ? target.AAAA : undefined) ?? []) answers.push(record(qtype, ipBytes(a)));
    } else if (want === 'CNAME' && entry.CNAME) answers.push(record(5, encodeName(entry.CNAME)));
    else if (want === 'A' || want === 'AAAA') for (const a of entry[want] ?? []) answers.push(record(qtype, ipBytes(a)));
  }
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2);
  header.writeUInt16BE(0x8180 | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  return Buffer.concat([header, question, ...answers]);
}

function ipBytes(ip: string): Buffer {
  if (ip.includes('.')) return Buffer.from(ip.split('.').map(Number));
  const parts = ip.split('::');
  const head = parts[0] ? parts[0].split(':') : [];
  const tail = parts[1] ? parts[1].split(':') : [];
  const groups = [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g || '0', 16), i * 2));
  return b;
}

export async function startDnsServer(zone: Zone): Promise<{ address: string; close: () => Promise<void>; queries: number }> {
  const socket: Socket = createSocket('udp4');
  const state = { queries: 0 };
  socket.on('message', (msg, rinfo) => {
    state.queries++;
    socket.send(answer(msg, zone), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  return {
    address: `127.0.0.1:${port}`,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
    get queries() {
      return state.queries;
    },
  };
}

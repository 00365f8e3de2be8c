import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type AddressObject } from 'mailparser';

/**
 * A local mail sink for the notices' e-mails, run as its own process by `motcua simulate mail`: an SMTP server
 * (smtp-server) that takes every message, parses it (mailparser) and keeps it in memory, with an HTTP window to read
 * them back (`GET /_sim/messages?to=…`, `DELETE /_sim/messages`, `GET /_sim/stats`). A message delivered twice with
 * the same Message-ID (a resend after a crash) is one message with two deliveries, as a mail store coalesces it.
 */

export interface SimMail {
  messageId: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  listUnsubscribe: string | null;
  /** SMTP deliveries of this Message-ID. */
  deliveries: number;
  at: string;
}

export interface MailSimulatorStats {
  /** Raw SMTP deliveries (DATA commands completed). */
  deliveries: number;
  /** Distinct Message-IDs. */
  messages: number;
}

export interface MailSimulator {
  /** The HTTP window. */
  url: string;
  /** smtp://127.0.0.1:<port> */
  smtpUrl: string;
  messages(to?: string): SimMail[];
  stats(): MailSimulatorStats;
  clear(): void;
  close(): Promise<void>;
}

const addresses = (a: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((x) => x.value.map((v) => (v.address ?? '').toLowerCase()));

export async function startMailSimulator(opts: { port?: number; smtpPort?: number; host?: string } = {}): Promise<MailSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const byId = new Map<string, SimMail>();
  let deliveries = 0;
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    banner: 'Motcua mail sink',
    // No reverse DNS of each client: the sink answers at once, as a local relay does.
    disableReverseLookup: true,
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((m) => {
          deliveries++;
          const id = m.messageId ?? `<no-id-${deliveries}@sim>`;
          const seen = byId.get(id);
          if (seen) seen.deliveries++;
          else
            byId.set(id, {
              messageId: id,
              from: addresses(m.from)[0] ?? '',
              to: addresses(m.to),
              subject: m.subject ?? '',
              text: m.text ?? '',
              html: typeof m.html === 'string' ? m.html : '',
              // As sent (mailparser parses List-* headers into an object; the raw line is what a client shows).
              listUnsubscribe: m.headerLines.find((l) => l.key === 'list-unsubscribe')?.line.replace(/^[^:]*:\s*/, '') ?? null,
              deliveries: 1,
              at: new Date().toISOString(),
            });
          callback();
        })
        .catch((e: Error) => callback(e));
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(opts.smtpPort ?? 0, host, () => resolve());
  });
  // A client's connection reset (a sender killed mid-conversation) is that connection's end, not the sink's: a
  // message not completed with its final "." is not kept, and the sink goes on taking the others.
  smtp.on('error', () => {});
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  const list = (to?: string | null) => [...byId.values()].filter((m) => !to || m.to.includes(to.toLowerCase()));
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (url.pathname === '/_sim/messages' && req.method === 'GET') return json(res, 200, list(url.searchParams.get('to')));
    if (url.pathname === '/_sim/messages' && req.method === 'DELETE') {
      byId.clear();
      deliveries = 0;
      return json(res, 200, { cleared: true });
    }
    if (url.pathname === '/_sim/stats') return json(res, 200, { deliveries, messages: byId.size, smtpPort });
    return json(res, 404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, host, resolve));
  const a = server.address() as AddressInfo;
  return {
    url: `http://${a.address}:${a.port}`,
    smtpUrl: `smtp://${host}:${smtpPort}`,
    messages: (to) => list(to),
    stats: () => ({ deliveries, messages: byId.size }),
    clear: () => {
      byId.clear();
      deliveries = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => smtp.close(() => resolve()));
      }),
  };
}

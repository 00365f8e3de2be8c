import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  SEND_STATUS_DELIVERED,
  SEND_STATUS_FAILED,
  SMS_ACCEPTED,
  SMS_SEND_PATH,
  type SmsDeliveryReport,
  type SmsSendRequest,
  type SmsSendResponse,
} from '../notifications/sms.contract.js';

/**
 * A local stand-in for an SMS brandname gateway of the eSMS.vn kind (src/notifications/sms.contract.ts), run as its
 * own process by `motcua simulate sms`. It takes a message per RequestId: a request repeating one (a retry after a
 * lost answer or a crash) answers the same SMSID and sends nothing new. After each message it posts the delivery
 * report to the request's CallbackUrl: delivered, or failed for the numbers set to fail. `/_sim/*` is its window.
 */

export interface SimSms {
  smsId: string;
  requestId: string;
  phone: string;
  content: string;
  brandname: string;
  unicode: boolean;
  at: string;
  /** What the report said (null: not reported yet, or no callback). */
  report: 'delivered' | 'failed' | null;
  /** Answers the callback gave (HTTP statuses), in order. */
  callbackStatuses: number[];
}

export interface SmsSimulatorStats {
  requests: number;
  accepted: number;
  /** Requests naming a RequestId already taken: answered with its SMSID, nothing sent. */
  duplicates: number;
  refused: number;
  reportsSent: number;
}

export interface SmsSimulatorOptions {
  port?: number;
  host?: string;
  apiKey?: string;
  secretKey?: string;
  /** Delay before the delivery report (default 20 ms). */
  reportDelayMs?: number;
}

export interface SmsSimulator {
  url: string;
  messages(phone?: string): SimSms[];
  stats(): SmsSimulatorStats;
  /** Numbers whose messages are reported failed. */
  failNumbers(phones: string[]): void;
  /** Answers 503 until then (epoch ms). */
  downUntil(ms: number): void;
  clear(): void;
  /** Resolves when no delivery report is in flight. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_SMS_API_KEY = 'MOTCUA-SIM-KEY';
export const DEFAULT_SMS_SECRET_KEY = 'MOTCUA-SIM-SECRET';

const readBody = (req: http.IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let b = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      b += c;
      if (b.length > 1_000_000) req.destroy();
    });
    req.on('end', () => resolve(b));
    req.on('error', reject);
  });

export async function startSmsSimulator(opts: SmsSimulatorOptions = {}): Promise<SmsSimulator> {
  const apiKey = opts.apiKey ?? DEFAULT_SMS_API_KEY;
  const secretKey = opts.secretKey ?? DEFAULT_SMS_SECRET_KEY;
  const reportDelayMs = opts.reportDelayMs ?? 20;
  const byRequest = new Map<string, SimSms>();
  const list: SimSms[] = [];
  const failing = new Set<string>();
  let down = 0;
  const counts: SmsSimulatorStats = { requests: 0, accepted: 0, duplicates: 0, refused: 0, reportsSent: 0 };
  let inFlight = 0;
  let waiters: (() => void)[] = [];
  const settle = () => {
    if (inFlight === 0) for (const w of waiters.splice(0)) w();
  };

  const report = async (m: SimSms, callbackUrl: string) => {
    inFlight++;
    try {
      await new Promise((r) => setTimeout(r, reportDelayMs));
      const failed = failing.has(m.phone);
      const body: SmsDeliveryReport = {
        SMSID: m.smsId,
        RequestId: m.requestId,
        SendStatus: failed ? SEND_STATUS_FAILED : SEND_STATUS_DELIVERED,
        phonenumber: m.phone,
        telcoid: '1',
        TypeId: '2',
      };
      m.report = failed ? 'failed' : 'delivered';
      counts.reportsSent++;
      const r = await fetch(callbackUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5_000),
      }).catch(() => null);
      m.callbackStatuses.push(r ? r.status : 0);
      await r?.arrayBuffer().catch(() => undefined);
    } finally {
      inFlight--;
      settle();
    }
  };

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://sim');
      if (url.pathname === SMS_SEND_PATH && req.method === 'POST') {
        counts.requests++;
        if (Date.now() < down) return json(res, 503, { CodeResult: '99', ErrorMessage: 'Service unavailable' });
        let r: SmsSendRequest;
        try {
          r = JSON.parse(await readBody(req)) as SmsSendRequest;
        } catch {
          counts.refused++;
          return json(res, 200, { CodeResult: '104', ErrorMessage: 'Invalid request' } satisfies SmsSendResponse);
        }
        if (r.ApiKey !== apiKey || r.SecretKey !== secretKey) {
          counts.refused++;
          return json(res, 200, { CodeResult: '101', ErrorMessage: 'Authorize Failed' } satisfies SmsSendResponse);
        }
        if (!r.Phone || !/^0\d{9}$/.test(r.Phone) || !r.Content) {
          counts.refused++;
          return json(res, 200, { CodeResult: '104', ErrorMessage: 'Invalid phone or content' } satisfies SmsSendResponse);
        }
        const seen = r.RequestId ? byRequest.get(r.RequestId) : undefined;
        if (seen) {
          counts.duplicates++;
          return json(res, 200, { CodeResult: SMS_ACCEPTED, SMSID: seen.smsId, CountRegenerate: 0 } satisfies SmsSendResponse);
        }
        const m: SimSms = {
          smsId: randomBytes(16).toString('hex'),
          requestId: r.RequestId ?? '',
          phone: r.Phone,
          content: r.Content,
          brandname: r.Brandname,
          unicode: r.IsUnicode === '1',
          at: new Date().toISOString(),
          report: null,
          callbackStatuses: [],
        };
        if (r.RequestId) byRequest.set(r.RequestId, m);
        list.push(m);
        counts.accepted++;
        if (r.CallbackUrl) void report(m, r.CallbackUrl);
        return json(res, 200, { CodeResult: SMS_ACCEPTED, SMSID: m.smsId, CountRegenerate: 0 } satisfies SmsSendResponse);
      }
      if (url.pathname === '/_sim/messages' && req.method === 'GET') {
        const phone = url.searchParams.get('phone');
        return json(res, 200, phone ? list.filter((m) => m.phone === phone) : list);
      }
      if (url.pathname === '/_sim/messages' && req.method === 'DELETE') {
        // The messages shown go; the RequestIds taken stay taken (a gateway never forgets them).
        list.length = 0;
        return json(res, 200, { cleared: true });
      }
      if (url.pathname === '/_sim/fail-numbers' && req.method === 'POST') {
        const b = JSON.parse((await readBody(req)) || '{}') as { phones?: string[] };
        failing.clear();
        for (const p of b.phones ?? []) failing.add(p);
        return json(res, 200, { failing: [...failing] });
      }
      if (url.pathname === '/_sim/down' && req.method === 'POST') {
        const b = JSON.parse((await readBody(req)) || '{}') as { seconds?: number };
        down = Date.now() + (b.seconds ?? 0) * 1000;
        return json(res, 200, { downUntil: new Date(down).toISOString() });
      }
      if (url.pathname === '/_sim/stats') return json(res, 200, counts);
      return json(res, 404, { error: 'not found' });
    } catch (e) {
      return json(res, 500, { error: (e as Error).message });
    }
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const a = server.address() as AddressInfo;
  return {
    url: `http://${a.address}:${a.port}`,
    messages: (phone) => (phone ? list.filter((m) => m.phone === phone) : [...list]),
    stats: () => ({ ...counts }),
    failNumbers: (phones) => {
      failing.clear();
      for (const p of phones) failing.add(p);
    },
    downUntil: (ms) => {
      down = ms;
    },
    clear: () => {
      list.length = 0;
    },
    idle: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((r) => waiters.push(r))),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        waiters = [];
      }),
  };
}

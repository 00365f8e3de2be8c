import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';

/** A recorded answer: its headers (as the app sent them) and its body. */
export interface RecordedAnswer {
  headers: [name: string, value: string][];
  body: string;
}

/** Headers Node writes itself for every answer: not replayed. */
const NODE_OWN = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);

/** GETs a URL and keeps its answer's headers and body, to be replayed by the bare server's /same-bytes. */
export async function recordAnswer(url: string): Promise<RecordedAnswer> {
  const r = await fetch(url);
  if (r.status !== 200) throw new Error(`recordAnswer: ${url} answered ${r.status}`);
  const headers = [...r.headers.entries()].filter(([name]) => !NODE_OWN.has(name));
  return { headers, body: await r.text() };
}

/**
 * A plain Fastify server with one route answering a small JSON: what the machine can do for any HTTP endpoint. Given
 * a recorded answer, a second route (/same-bytes) sends its headers and body unchanged: the cost of the bytes alone.
 */
export async function startBare(sameAs?: RecordedAnswer) {
  const app = Fastify({ logger: false });
  app.get('/bare', async () => ({ status: 'ok', code: '000.00.01.H40-250314-0001', at: '2025-03-14T03:00:00.000Z' }));
  if (sameAs) {
    app.get('/same-bytes', (_req, reply) => {
      for (const [name, value] of sameAs.headers) reply.header(name, value);
      reply.send(sameAs.body);
    });
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

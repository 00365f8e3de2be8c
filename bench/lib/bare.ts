import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';

/** A plain Fastify server with one route answering a small JSON: what the machine can do for any HTTP endpoint. */
export async function startBare() {
  const app = Fastify({ logger: false });
  app.get('/bare', async () => ({ status: 'ok', code: '000.00.01.H40-250314-0001', at: '2025-03-14T03:00:00.000Z' }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

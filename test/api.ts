import createClient, { type Client } from 'openapi-fetch';
import type { paths } from '../web/src/api/schema.js';
import type { HttpApp } from '../src/platform/http.js';

export type { paths };

/**
 * The API as its clients see it, typed from the OpenAPI document (the web app's generated schema), sent through
 * Fastify's inject: no port, no network, every request validated and serialized as in production. A wrong path,
 * a missing required field or a misspelled error code is a type error in the test.
 */
export type Api = Client<paths>;

/** A typed client of `app` that sends every request through inject; `token` adds the staff bearer token. */
export function apiClient(app: HttpApp, token?: string): Api {
  return createClient<paths>({
    baseUrl: 'http://motcua.test',
    ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    fetch: async (req: Request) => {
      const url = new URL(req.url);
      const body = req.body ? Buffer.from(await req.arrayBuffer()) : undefined;
      const headers: Record<string, string> = {};
      req.headers.forEach((v, k) => (headers[k] = v));
      const r = await app.inject({
        method: req.method as 'GET',
        url: url.pathname + url.search,
        headers,
        ...(body ? { payload: body } : {}),
      });
      const out = new Headers();
      for (const [k, v] of Object.entries(r.headers)) {
        if (v === undefined) continue;
        for (const one of Array.isArray(v) ? v : [v]) out.append(k, String(one));
      }
      // A 204 or 304 answer has no body (the Response constructor refuses one).
      return new Response(r.statusCode === 204 || r.statusCode === 304 ? null : r.rawPayload, { status: r.statusCode, headers: out });
    },
  });
}

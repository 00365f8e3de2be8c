import { sql } from 'kysely';
import { describe, it, expect, beforeAll } from 'vitest';
import { createHarness, applicant, PASSWORD, type Harness } from './harness.js';
import { mulberry32, type Rng } from '../src/platform/random.js';

/**
 * Hostile input over every operation of the API document: for each operation a valid-shaped request is built from
 * its schemas (with real ids, codes and files of a small world), then one part of it is made hostile — a NUL or a
 * broken surrogate in a string, an integer out of range, a wrong type, an oversized value, a malformed body, a
 * strange path — and sent as an administrator, a clerk or anonymously. No answer may be a 5xx, every refusal is a
 * problem document with a code, and a refused request stores nothing. Seeded: the same requests on every run.
 */

const SEED = 20261202;
/** Requests per operation (about 75 operations). */
const PER_OPERATION = 40;

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  $ref?: string;
  default?: unknown;
};
interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema: Schema;
}
interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body?: Schema;
  multipart: boolean;
  secured: boolean;
}

let h: Harness;
let operations: Operation[] = [];
let tokens: Record<'admin' | 'clerk' | 'anonymous', string | null>;
/** Real values of the world, by what a parameter or field is named. */
let world: Record<string, string | number>;
let tables: string[] = [];

/** Tables whose rows a refused request writes by design: the audit trail, and counters of refused attempts. */
const WRITTEN_BY_REFUSALS = /^(audit_|kysely_)|budget|failure|attempt|throttle|lockout/;

beforeAll(async () => {
  h = await createHarness('2026-11-23T09:00:00+07:00');
  const clerk = await h.token('clerk.center');
  const admin = await h.token('admin');
  await h.token('clerk.mot'); // before the suite spends the log-in rate limit of the test's address
  tokens = { admin, clerk, anonymous: null };
  const file = await h.upload(clerk, 'hostile world scan');
  const d = await h.app.inject({
    method: 'POST',
    url: '/dossiers',
    headers: { authorization: `Bearer ${clerk}` },
    payload: {
      procedureCode: '2.000488',
      applicant: applicant('14001'),
      components: [
        { code: 'TK', source: 'upload', fileSha256: file },
        { code: 'CCCD', source: 'population_db' },
      ],
    },
  });
  expect(d.statusCode, d.body).toBe(201);
  const manager = await h.token('manager.center');
  const center = h.unit('TTPVHCC');
  const g = await h.app.inject({
    method: 'POST',
    url: `/queue/points/${center}/groups`,
    headers: { authorization: `Bearer ${manager}` },
    payload: { code: 'A', nameVi: 'Hộ tịch', nameEn: 'Civil status', procedureCodes: ['1.001193'], slotCapacity: 5 },
  });
  const c = await h.app.inject({
    method: 'POST',
    url: `/queue/points/${center}/counters`,
    headers: { authorization: `Bearer ${manager}` },
    payload: { number: 1 },
  });
  const t = await h.app.inject({ method: 'POST', url: `/public/queue/points/${center}/tickets`, payload: { groupId: g.json().id } });
  world = {
    code: d.json().code,
    sha256: file,
    fileSha256: file,
    resultFileSha256: file,
    unitId: center,
    groupId: g.json().id,
    counterId: c.json().id,
    id: g.json().id,
    token: t.json().token,
    procedureCode: '1.001193',
    componentCode: 'TK',
    communeCode: '14001',
    phone: '5678',
    idNumber: '037095001234',
    form: '01',
    day: '2026-11-24',
    date: '2026-11-23',
    from: '2026-11-01',
    to: '2026-11-30',
    username: 'hostile.user',
  };
  const doc = h.app.swagger() as {
    paths: Record<
      string,
      Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> }; security?: unknown[] }>
    >;
  };
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const content = op.requestBody?.content ?? {};
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
        ...(content['application/json'] ? { body: content['application/json'].schema } : {}),
        multipart: path.endsWith('/files') && method === 'post',
        secured: Boolean(op.security?.length),
      });
    }
  }
  const rows = await sql<{
    table_name: string;
  }>`select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(
    h.database.db,
  );
  tables = rows.rows.map((r) => r.table_name).filter((t) => !WRITTEN_BY_REFUSALS.test(t));
});

/** Row counts (and the sum of versions, where rows have one) of every table a refused request must not write. */
async function fingerprint(): Promise<string> {
  const parts = tables.map((t) => `(select count(*) from "${t}")::text`);
  for (const t of ['dossiers', 'queue_tickets']) if (tables.includes(t)) parts.push(`(select coalesce(sum(version), 0) from "${t}")::text`);
  const r = await sql<{ f: string }>`select ${sql.raw(parts.join(" || ',' || "))} as f`.execute(h.database.db);
  return r.rows[0]!.f;
}

const EXAMPLES: Record<string, string> = {
  '^[a-z0-9._-]{3,50}$': 'hostile.user',
  '^[a-z_]+(,[a-z_]+)*$': 'received',
  '^[A-Z0-9-]{1,32}$': 'TK',
  '^[A-Za-z0-9_.-]{1,32}$': 'TK',
  '^(competent|[A-Z0-9-]{1,32})$': 'competent',
  '^[0-9]\\.[0-9]{6}(\\.[0-9A-Za-z.]+)?$': '1.001193',
  '^[0-9]{5}$': '14001',
  '^[0-9]{4}$': '5678',
  '^[0-9]{4}-[0-9]{2}-[0-9]{2}$': '2026-11-24',
  '^\\d{4}-\\d{2}-\\d{2}$': '2026-11-24',
  '^[A-Z]{1,2}$': 'C',
  '^[0-9]{1,9}(,[0-9]{1,9}){0,199}$': '1',
};

/** A valid-shaped value for a schema, preferring the world's real value for a field of that name. */
function sample(s: Schema, name: string, rng: Rng, depth = 0): unknown {
  if (s.const !== undefined) return s.const;
  if (s.enum?.length) return s.enum[Math.floor(rng() * s.enum.length)];
  const alt = s.anyOf ?? s.oneOf;
  if (alt?.length) return sample(alt.find((a) => a.type !== 'null') ?? alt[0]!, name, rng, depth);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  if (name in world && (type === 'string' || type === 'integer' || type === 'number')) {
    const v = world[name]!;
    return type === 'string' ? String(v) : Number(v);
  }
  switch (type) {
    case 'string':
      if (s.format === 'date-time') return '2026-12-01T10:00:00.000Z';
      if (s.format === 'date') return '2026-11-24';
      if (s.format === 'email') return 'an@example.vn';
      if (s.pattern === '^[0-9a-f]{64}$') return String(world.sha256);
      if (s.pattern === '^[0-9A-Z.]+-[0-9]{6}-[0-9]{4}$') return String(world.code);
      if (s.pattern && EXAMPLES[s.pattern]) return EXAMPLES[s.pattern];
      return 'Nguyễn Văn An'.padEnd(Math.max(s.minLength ?? 0, 3), 'a').slice(0, s.maxLength ?? 200);
    case 'integer':
    case 'number':
      return s.minimum !== undefined ? Math.max(s.minimum, 1) : 1;
    case 'boolean':
      return false;
    case 'array':
      return depth > 4 || !s.items
        ? []
        : Array.from({ length: Math.max(s.minItems ?? 0, 1) }, () => sample(s.items!, name, rng, depth + 1));
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, p] of Object.entries(s.properties ?? {})) {
        if (s.required?.includes(k) || rng() < 0.5) out[k] = sample(p, k, rng, depth + 1);
      }
      return out;
    }
    default:
      return null;
  }
}

const HOSTILE_STRINGS = [
  '\u0000',
  'An\u0000',
  'a\u0007b',
  '\u001b[31m',
  '\uD800',
  'x\uDFFFy',
  '\uFFFE',
  'x'.repeat(100_000),
  '😀'.repeat(3000),
  '',
  '   ',
  '../../../../etc/passwd',
  "'; drop table dossiers; --",
  '<script>alert(1)</script>',
  '%00',
  '\u202Eevil',
];
const HOSTILE_NUMBERS: unknown[] = [-1, 0, 1.5, 2 ** 31, 2 ** 53 + 2, 1e300, -1e300, '1', 'NaN', true, null, [], {}];
const HOSTILE_VALUES: unknown[] = [null, true, 0, -1, 'x', [], {}, [[[[[]]]]], { $gt: '' }, { __proto__: { admin: true } }];
const HOSTILE_PATH = [
  '%00',
  '..%2F..%2Fetc%2Fpasswd',
  '%E0%A4%A',
  'A'.repeat(5000),
  '-1',
  '99999999999999999999',
  '%F0%9F%98%80',
  'null',
  '%20',
  '1e3',
];

interface Request {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  label: string;
}

/** Every path to a leaf of a value: ['applicant', 'name'], ['components', 0, 'code'], … */
function leaves(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(v)) return v.length ? v.flatMap((x, i) => leaves(x, [...at, i])) : [at];
  if (v && typeof v === 'object') {
    const entries = Object.entries(v);
    return entries.length ? entries.flatMap(([k, x]) => leaves(x, [...at, k])) : [at];
  }
  return [at];
}

function setAt(v: unknown, path: (string | number)[], value: unknown): unknown {
  if (!path.length) return value;
  const copy = Array.isArray(v) ? [...v] : { ...(v as object) };
  const [head, ...rest] = path;
  (copy as Record<string | number, unknown>)[head!] = setAt((v as Record<string | number, unknown>)[head!], rest, value);
  return copy;
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

/** Percent-encodes like encodeURIComponent, but writes a lone surrogate as its WTF-8 bytes (invalid UTF-8) instead of throwing. */
function encode(v: string): string {
  try {
    return encodeURIComponent(v);
  } catch {
    return [...v]
      .map((ch) => {
        const c = ch.charCodeAt(0);
        if (ch.length === 1 && c >= 0xd800 && c <= 0xdfff)
          return `%${(0xe0 | (c >> 12)).toString(16)}%${(0x80 | ((c >> 6) & 0x3f)).toString(16)}%${(0x80 | (c & 0x3f)).toString(16)}`.toUpperCase();
        return encodeURIComponent(ch);
      })
      .join('');
  }
}

/** One hostile request for an operation. */
function hostile(op: Operation, rng: Rng): Request {
  const params: Record<string, unknown> = {};
  const query: Record<string, unknown> = {};
  const headers: Record<string, string> = {};
  for (const p of op.parameters) {
    const v = sample(p.schema, p.name, rng);
    if (p.in === 'path') params[p.name] = v;
    else if (p.in === 'query' && (p.required || rng() < 0.6)) query[p.name] = v;
    else if (p.in === 'header' && rng() < 0.3) headers[p.name] = `hostile-key-${Math.floor(rng() * 1e9)}`;
  }
  let body: unknown = op.body ? sample(op.body, 'body', rng) : undefined;
  let raw: string | Buffer | undefined;
  let label = '';
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const kinds = ['body-leaf', 'body-leaf', 'body-leaf', 'body-shape', 'raw-body', 'path', 'query', 'header'].filter((k) => {
    if (k.startsWith('body') || k === 'raw-body') return op.body !== undefined || (k === 'raw-body' && op.method !== 'GET');
    if (k === 'path') return pathParams.length > 0;
    if (k === 'query') return queryParams.length > 0;
    return true;
  });
  // The event stream answers a real point with a stream that never ends: only strange points are sent to it.
  const kind = op.path.endsWith('/events') ? 'path' : pick(rng, kinds);
  if (kind === 'body-leaf') {
    const paths = leaves(body);
    const at = pick(rng, paths);
    const current = at.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)?.[k], body);
    const value =
      typeof current === 'string'
        ? pick(rng, HOSTILE_STRINGS)
        : typeof current === 'number'
          ? pick(rng, HOSTILE_NUMBERS)
          : pick(rng, HOSTILE_VALUES);
    body = setAt(body, at, value);
    label = `body.${at.join('.')} = ${JSON.stringify(value)?.slice(0, 60)}`;
  } else if (kind === 'body-shape') {
    const shape = pick(rng, ['unknown-prop', 'deep', 'huge-array', 'not-object', 'missing'] as const);
    if (shape === 'unknown-prop') body = { ...(body as object), ['hostile\u0000key']: 1, isAdmin: true };
    else if (shape === 'deep') {
      let deep: unknown = 'x';
      for (let i = 0; i < 2000; i++) deep = { a: deep };
      body = { ...(body as object), deep };
    } else if (shape === 'huge-array') body = Array.from({ length: 50_000 }, () => body);
    else if (shape === 'not-object') body = pick(rng, [null, 'text', 42, [], true]);
    else if (body && typeof body === 'object') {
      const keys = Object.keys(body);
      if (keys.length) body = Object.fromEntries(Object.entries(body).filter(([k]) => k !== pick(rng, keys)));
    }
    label = `body shape: ${shape}`;
  } else if (kind === 'raw-body') {
    const r = pick(rng, [
      ['{', 'application/json'],
      ['{"a":1,}', 'application/json'],
      ['', 'application/json'],
      ['\u0000\u0000', 'application/json'],
      ['{"a": "\\u0000"}', 'application/json'],
      ['{"a": "\\ud800"}', 'application/json'],
      ['a=1&b=2', 'application/x-www-form-urlencoded'],
      ['<x/>', 'application/xml'],
      ['--zzz\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc\r\n', 'multipart/form-data; boundary=zzz'],
      ['--zzz\r\n\r\n', 'multipart/form-data'],
      ['hello', 'text/plain'],
      ['%PDF-1.4 truncated', 'application/octet-stream'],
    ] as const);
    raw = r[0];
    headers['content-type'] = r[1];
    body = undefined;
    label = `raw body ${JSON.stringify(r[0]).slice(0, 40)} as ${r[1]}`;
  } else if (kind === 'path') {
    const p = pick(rng, pathParams);
    params[p.name] = pick(rng, HOSTILE_PATH);
    label = `path ${p.name} = ${String(params[p.name]).slice(0, 40)}`;
  } else if (kind === 'query') {
    const p = pick(rng, queryParams);
    query[p.name] = pick(rng, [...HOSTILE_STRINGS.slice(0, 8), '-1', '1e309', '99999999999999999999', '0x10']);
    label = `query ${p.name} = ${JSON.stringify(query[p.name]).slice(0, 40)}`;
  } else {
    const which = pick(rng, ['idempotency', 'authorization', 'huge', 'content-length'] as const);
    if (which === 'idempotency') headers['idempotency-key'] = pick(rng, ['a\u0000b-xxxxxxxxxxx', 'x'.repeat(500), '../../../etc', 'short']);
    if (which === 'authorization')
      headers.authorization = pick(rng, [
        'Bearer ',
        'Bearer \u0000',
        `Bearer ${'A'.repeat(5000)}`,
        'Basic YWRtaW46YWRtaW4=',
        'Bearer ../../',
      ]);
    if (which === 'huge') headers['x-hostile'] = 'y'.repeat(20_000);
    if (which === 'content-length') headers['x-request-id'] = 'abc\u0007def';
    label = `header ${which}`;
  }
  let url = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const v = params[name];
    // Hostile path values are sent as written (already percent-encoded where they need it).
    return typeof v === 'string' && HOSTILE_PATH.includes(v) ? v : encode(String(v));
  });
  const qs = Object.entries(query).map(([k, v]) => `${encode(k)}=${encode(String(v))}`);
  if (qs.length) url += `?${qs.join('&')}`;
  let payload: string | Buffer | undefined = raw;
  if (payload === undefined && body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] ??= 'application/json';
  }
  if (op.multipart && kind !== 'raw-body') {
    payload = Buffer.from(
      pick(rng, [
        '--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-1.4\n<script>\r\n--b--\r\n',
        '--b\r\nContent-Disposition: form-data; name="other"\r\n\r\nx\r\n--b--\r\n',
        '--b--\r\n',
        'garbage',
      ]),
    );
    headers['content-type'] = 'multipart/form-data; boundary=b';
    label ||= 'multipart';
  }
  return { method: op.method, url, headers, ...(payload !== undefined ? { payload } : {}), label: `${op.method} ${op.path}: ${label}` };
}

describe('hostile input over every operation of the API document', () => {
  it('reads every operation of the document (and the world to aim at)', () => {
    expect(operations.length).toBeGreaterThan(60);
    expect(tables).toContain('dossiers');
  });

  it(`answers ${PER_OPERATION} seeded hostile requests per operation without a 5xx, with a problem for every refusal, storing nothing when refused`, async () => {
    const rng = mulberry32(SEED);
    const failures: string[] = [];
    let sent = 0;
    const byStatus = new Map<number, number>();
    let before = await fingerprint();
    for (const op of operations) {
      for (let i = 0; i < PER_OPERATION; i++) {
        const req = hostile(op, rng);
        const who = op.secured
          ? pick(rng, ['admin', 'clerk', 'clerk', 'anonymous'] as const)
          : pick(rng, ['anonymous', 'anonymous', 'clerk'] as const);
        // Logging out ends the session it is sent with: it gets a session of its own, opened through the service.
        const token =
          op.path === '/auth/logout' && who !== 'anonymous'
            ? (await h.services.auth.login(who === 'admin' ? 'admin' : 'clerk.center', PASSWORD)).token
            : tokens[who];
        if (token && !req.headers.authorization) req.headers.authorization = `Bearer ${token}`;
        if (op.path === '/auth/logout') before = await fingerprint(); // the session just opened is not the request's doing
        const r = await h.app.inject({
          method: req.method as 'GET',
          url: req.url,
          headers: req.headers,
          ...(req.payload !== undefined ? { payload: req.payload } : {}),
        });
        sent++;
        byStatus.set(r.statusCode, (byStatus.get(r.statusCode) ?? 0) + 1);
        const after = await fingerprint();
        if (r.statusCode >= 500) failures.push(`${r.statusCode} as ${who}: ${req.label} → ${r.body.slice(0, 300)}`);
        else if (r.statusCode >= 400) {
          const problem = r.headers['content-type']?.toString().startsWith('application/problem+json')
            ? (r.json() as { code?: unknown })
            : null;
          if (!problem || typeof problem.code !== 'string')
            failures.push(`${r.statusCode} without a problem document as ${who}: ${req.label} → ${r.body.slice(0, 200)}`);
          if (after !== before) failures.push(`${r.statusCode} but rows were written, as ${who}: ${req.label}`);
        }
        before = after;
      }
    }
    console.log(
      `hostile suite: ${sent} requests over ${operations.length} operations; answers by status: ${[...byStatus]
        .sort((a, b) => a[0] - b[0])
        .map(([s, n]) => `${s}×${n}`)
        .join(' ')}`,
    );
    expect(failures).toEqual([]);
    expect(sent).toBe(operations.length * PER_OPERATION);
  }, 600_000);
});

describe('invalid characters are refused naming the field', () => {
  it.each([
    ['a NUL in a name', { name: 'Nguyễn\u0000Văn An' }, 'body.applicant.name'],
    ['a bell in an address', { address: 'Số 1\u0007 Trần Hưng Đạo' }, 'body.applicant.address'],
    ['a lone surrogate', { name: 'Nguyễn \uD83D Văn' }, 'body.applicant.name'],
    ['a non-character', { address: 'Số 1 \uFFFF' }, 'body.applicant.address'],
  ])('refuses %s at intake, storing nothing', async (_label, over, field) => {
    const clerk = await h.token('clerk.mot');
    const file = await h.upload(clerk);
    const before = await fingerprint();
    const r = await h.app.inject({
      method: 'POST',
      url: '/dossiers',
      headers: { authorization: `Bearer ${clerk}` },
      payload: {
        procedureCode: '1.001193',
        applicant: applicant('14001', over),
        components: [{ code: 'TK', source: 'upload', fileSha256: file }],
      },
    });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({
      code: 'VALIDATION',
      field,
      detail: `${field} contains a character that is not allowed (a NUL, a control character or a broken surrogate pair)`,
    });
    expect(await fingerprint()).toBe(before);
  });

  it('accepts tabs, line breaks, Vietnamese and emoji in free text', async () => {
    const clerk = await h.token('clerk.mot');
    const file = await h.upload(clerk);
    const r = await h.app.inject({
      method: 'POST',
      url: '/dossiers',
      headers: { authorization: `Bearer ${clerk}` },
      payload: {
        procedureCode: '1.001193',
        applicant: applicant('14001', { address: 'Số 1\tngõ 2\r\nPhường Một 🏠' }),
        components: [
          { code: 'TK', source: 'upload', fileSha256: file },
          { code: 'GCS', source: 'paper' },
          { code: 'CCCD', source: 'population_db' },
        ],
        note: 'Ghi chú\nhai dòng',
      },
    });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json().applicant.address).toBe('Số 1\tngõ 2\r\nPhường Một 🏠');
  });

  it('refuses a NUL in a query string or a path, naming it', async () => {
    const q = await h.app.inject({ method: 'GET', url: `/procedures?q=${encodeURIComponent('khai\u0000sinh')}` });
    expect([q.statusCode, q.json().field]).toEqual([400, 'querystring.q']);
    const p = await h.app.inject({ method: 'GET', url: '/procedures/1.001193%00' });
    expect([p.statusCode, p.json().code]).toEqual([400, 'VALIDATION']);
  });
});

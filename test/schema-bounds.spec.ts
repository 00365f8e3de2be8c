import { describe, it, expect, beforeAll } from 'vitest';
import { createHarness, type Harness } from './harness.js';

/**
 * Every value a request may carry is bounded in the API document, so a value its column cannot hold is a 400 naming
 * the field, never a 500 from PostgreSQL: integers and numbers have a minimum and a maximum, strings a maxLength,
 * arrays a maxItems (an enum or a constant is bounded by itself). Walks every operation's parameters and JSON body.
 */

interface Schema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  maxLength?: number;
  maxItems?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
}
interface Operation {
  parameters?: { in: string; name: string; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

let h: Harness;
let doc: Document;

beforeAll(async () => {
  h = await createHarness();
  await h.app.ready();
  doc = h.app.swagger() as unknown as Document;
});

/** Each unbounded place under a schema, as 'POST /dossiers body.applicant.name: a string without maxLength'. */
function unbounded(s: Schema | undefined, at: string, out: string[], seen = new Set<Schema>()): string[] {
  if (s?.$ref) s = doc.components?.schemas?.[s.$ref.split('/').pop()!];
  if (!s || seen.has(s)) return out;
  seen.add(s);
  for (const alt of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])]) unbounded(alt, at, out, seen);
  if (s.enum || s.const !== undefined) return out;
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (types.includes('integer') || types.includes('number')) {
    const low = s.minimum ?? s.exclusiveMinimum;
    const high = s.maximum ?? s.exclusiveMaximum;
    if (low === undefined || high === undefined)
      out.push(`${at}: a${types.includes('integer') ? 'n integer' : ' number'} without both bounds`);
    else if (high > Number.MAX_SAFE_INTEGER || low < Number.MIN_SAFE_INTEGER) out.push(`${at}: bounds beyond a safe integer`);
  }
  if (types.includes('string') && s.maxLength === undefined) out.push(`${at}: a string without maxLength`);
  if (types.includes('array')) {
    if (s.maxItems === undefined) out.push(`${at}: an array without maxItems`);
    unbounded(s.items, `${at}[]`, out, seen);
  }
  for (const [k, p] of Object.entries(s.properties ?? {})) unbounded(p, `${at}.${k}`, out, seen);
  if (typeof s.additionalProperties === 'object') unbounded(s.additionalProperties, `${at}.*`, out, seen);
  return out;
}

describe('request schemas of the API document', () => {
  it('bound every integer, number, string and array a request may carry', () => {
    const problems: string[] = [];
    let checked = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const name = `${method.toUpperCase()} ${path}`;
        for (const p of op.parameters ?? []) unbounded(p.schema, `${name} ${p.in}.${p.name}`, problems);
        for (const [type, c] of Object.entries(op.requestBody?.content ?? {})) unbounded(c.schema, `${name} body(${type})`, problems);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(60);
    expect(problems).toEqual([]);
  });

  it('finds an unbounded integer, string and array (the walk itself can fail)', () => {
    const found = unbounded(
      {
        type: 'object',
        properties: {
          n: { type: 'integer', minimum: 1 },
          s: { type: 'string' },
          a: { type: 'array', items: { type: 'number', minimum: 0, maximum: 2 ** 60 } },
          ok: { anyOf: [{ type: 'string', maxLength: 3 }, { type: 'null' }] },
        },
      },
      'x',
      [],
    );
    expect(found).toEqual([
      'x.n: an integer without both bounds',
      'x.s: a string without maxLength',
      'x.a: an array without maxItems',
      'x.a[]: bounds beyond a safe integer',
    ]);
  });
});

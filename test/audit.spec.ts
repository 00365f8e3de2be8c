import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, createHmac } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, applicant, type Harness, newIdNumber } from './harness.js';
import { AuditCheckpointer, recordAudit, recordAudits, verifyAudit } from '../src/audit/audit.service.js';
import { AuditKey, auditPayload, chainHash, chainMessage, eventDigest } from '../src/platform/audit-chain.model.js';
import { eventsByKey } from '../src/audit/audit.repository.js';
import { insertEventWithAudit } from '../src/dossiers/dossier.repository.js';
import { checkRuntimeRole } from '../src/platform/database-roles.js';
import type { DB } from '../src/platform/db.types.js';
import type { AuditProblem } from '../src/audit/audit.model.js';

// The audit trail its owner cannot rewrite, on both databases: what the app's role may not do (its grants), what the
// owner may not do (the triggers), and what `audit verify` reports when an owner disables the triggers and rewrites
// anyway: each altered or rehashed entry, each event altered, removed or added without its entry, and — through the
// checkpoints outside the database — a TRUNCATE of the whole trail or a chain wound back.

let h: Harness;
let file = '';
let dir = '';
let checkpoints = '';
const onPg = Boolean(process.env.DATABASE_URL);
const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const ROLLBACK = new Error('rolled back on purpose');

function intake(token: string, note?: string) {
  return h.app.inject({
    method: 'POST',
    url: '/dossiers',
    headers: auth(token),
    payload: {
      procedureCode: '1.001193',
      applicant: applicant('14002', { idNumber: newIdNumber() }),
      components: [{ code: 'TK', source: 'upload', fileSha256: file }],
      note,
    },
  });
}

/** Runs tamper as the owner in a transaction, then check on what it left, and rolls it all back. */
async function tampered<T>(tamper: (db: Kysely<DB>) => Promise<void>, check: (db: Kysely<DB>) => Promise<T>): Promise<T> {
  let out: T | undefined;
  await h.database
    .asOwner((owner) =>
      owner.transaction().execute(async (trx) => {
        await tamper(trx);
        out = await check(trx);
        throw ROLLBACK;
      }),
    )
    .catch((e: unknown) => {
      if (e !== ROLLBACK) throw e;
    });
  return out as T;
}

const verify = (db: Kysely<DB>, o: { key?: AuditKey; withCheckpoints?: boolean; batchSize?: number } = {}) =>
  verifyAudit(db, o.key ?? h.auditKey, { checkpoints: o.withCheckpoints ? checkpoints : null, batchSize: o.batchSize });
const brief = (ps: AuditProblem[]) => ps.map((p) => `${p.stream}#${p.seq}: ${p.reason}`);

async function streamRows(db: Kysely<DB>, stream: string) {
  return db.selectFrom('audit_log').selectAll().where('stream', '=', stream).orderBy('seq').execute();
}

let branchStream = '';
let events = 0;

beforeAll(async () => {
  h = await createHarness('2025-03-14T10:00:00+07:00');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-audit-'));
  checkpoints = path.join(dir, 'audit', 'checkpoints.jsonl');
  const clerk = await h.token('clerk.branch');
  file = await h.upload(clerk, 'to khai');
  // Three dossiers at the branch, two of them forwarded: a few entries in the branch's stream, events of several kinds.
  for (let i = 0; i < 3; i++) {
    const d = (await intake(clerk, `ghi chú "${i}" – ñ ✓`)).json();
    if (i < 2) {
      const r = await h.app.inject({
        method: 'POST',
        url: `/dossiers/${d.code}/forward`,
        headers: auth(clerk),
        payload: { version: d.version },
      });
      expect(r.statusCode).toBe(200);
    }
  }
  branchStream = `unit:${h.unit('CN-A')}`;
  events = Number(
    (
      await h.database.db
        .selectFrom('dossier_events')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the HMAC of the chain', () => {
  it('is the same in SQL (sha256 over the key pads) as node:crypto createHmac, byte for byte', async () => {
    const [inner, outer] = h.auditKey.pads();
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 200 }), async (text) => {
        const m = text.replace(/\u0000/g, '');
        const r = await sql<{ mac: string }>`
          select encode(sha256(${outer}::bytea || sha256(${inner}::bytea || convert_to(${m}::text, 'UTF8'))), 'hex') as mac`.execute(
          h.database.db,
        );
        expect(r.rows[0]!.mac).toBe(h.auditKey.mac(m));
        expect(h.auditKey.mac(m)).toBe(createHmac('sha256', Buffer.from(h.auditKey.toHex(), 'hex')).update(m).digest('hex'));
      }),
      { numRuns: 40 },
    );
  });

  it('of each appended entry is what the verifier computes from the row, whatever the payload holds', async () => {
    const at = new Date('2025-03-14T03:00:00.123Z');
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.integer(), fc.boolean())),
        async (entityId, data) => {
          const clean = entityId.replace(/\u0000/g, '');
          const entry = {
            actorKind: 'system' as const,
            actorId: null,
            stream: 'prop',
            action: 'test.prop',
            entityType: 'test',
            entityId: clean,
            data,
          };
          await h.database.db.transaction().execute((trx) => recordAudit(trx, h.auditKey, entry, at));
          const row = await h.database.db
            .selectFrom('audit_log')
            .selectAll()
            .where('stream', '=', 'prop')
            .orderBy('seq', 'desc')
            .limit(1)
            .executeTakeFirstOrThrow();
          expect(row.payload).toBe(auditPayload(entry, at));
          expect(row.hash).toBe(chainHash(h.auditKey, row.prev_hash, row.stream, row.seq, row.payload));
        },
      ),
      { numRuns: 30 },
    );
    expect((await verify(h.database.db)).problems).toEqual([]);
  });

  it('of entries appended as a batch (a new stream, then a running one) links each to the one before, as one by one', async () => {
    const at = new Date('2025-03-14T04:00:00.456Z');
    const entry = (i: number) => ({
      actorKind: 'system' as const,
      actorId: null,
      stream: 'batch',
      action: 'test.batch',
      entityType: 'test',
      entityId: `b-${i}`,
      data: { i, text: 'Phường Một — “ký tự”' },
    });
    await h.database.db.transaction().execute((trx) => recordAudits(trx, h.auditKey, [0, 1, 2].map(entry), at));
    await h.database.db.transaction().execute((trx) => recordAudit(trx, h.auditKey, entry(3), at));
    await h.database.db.transaction().execute((trx) => recordAudits(trx, h.auditKey, [4, 5, 6, 7].map(entry), at));
    const rows = await h.database.db.selectFrom('audit_log').selectAll().where('stream', '=', 'batch').orderBy('seq').execute();
    expect(rows.map((r) => [Number(r.seq), r.entity_id])).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => [i + 1, `b-${i}`]));
    rows.forEach((r, i) => {
      expect(r.payload).toBe(auditPayload(entry(i), at));
      expect(r.prev_hash).toBe(i === 0 ? '0'.repeat(64) : rows[i - 1]!.hash);
      expect(r.hash).toBe(chainHash(h.auditKey, r.prev_hash, r.stream, Number(r.seq), r.payload));
    });
    const head = await h.database.db.selectFrom('audit_heads').selectAll().where('stream', '=', 'batch').executeTakeFirstOrThrow();
    expect([Number(head.seq), head.prev_hash, head.hash]).toEqual([8, rows[6]!.hash, rows[7]!.hash]);
    await expect(
      h.database.db.transaction().execute((trx) => recordAudits(trx, h.auditKey, [entry(8), { ...entry(9), stream: 'other' }], at)),
    ).rejects.toThrow(/entries of one stream only/);
    expect((await verify(h.database.db)).problems).toEqual([]);
  });

  it('of each event is the digest the verifier computes from the event row, whatever its note and data hold', async () => {
    const d = await h.database.db.selectFrom('dossiers').selectAll().orderBy('id').limit(1).executeTakeFirstOrThrow();
    let seq = 1000;
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme', maxLength: 60 }),
        fc.option(
          fc.dictionary(
            fc.string({ maxLength: 6 }),
            fc.oneof(
              fc.string({ unit: 'grapheme', maxLength: 20 }),
              fc.double({ noNaN: true, noDefaultInfinity: true }),
              fc.constant(null),
            ),
          ),
        ),
        fc.integer({ min: 0, max: 999_999 }),
        async (note, data, micros) => {
          const at = new Date(Date.UTC(2025, 2, 14, 3, 0, 0) + Math.floor(micros / 1000));
          seq++;
          const clean = note.replace(/\u0000/g, '');
          await h.database.db.transaction().execute((trx) =>
            insertEventWithAudit(
              trx,
              h.auditKey,
              {
                dossier_id: d.id,
                province_code: d.province_code,
                seq,
                action: 'prop',
                from_status: null,
                to_status: d.status,
                actor_kind: 'system',
                actor_id: null,
                unit_id: null,
                at,
                note: clean || null,
                data: data === null ? null : JSON.stringify(data).replace(/\\u0000/g, ''),
              },
              {
                entry: {
                  actorKind: 'system',
                  actorId: null,
                  stream: 'prop-events',
                  action: 'test.event',
                  entityType: 'dossier',
                  entityId: d.code,
                },
                at,
              },
            ),
          );
          const [row] = await eventsByKey(h.database.db, [{ dossierId: d.id, seq }]);
          const entry = await h.database.db
            .selectFrom('audit_log')
            .select('payload')
            .where('stream', '=', 'prop-events')
            .orderBy('seq', 'desc')
            .limit(1)
            .executeTakeFirstOrThrow();
          expect(JSON.parse(entry.payload).event).toEqual({ dossierId: d.id, seq, digest: eventDigest(row!) });
        },
      ),
      { numRuns: 30 },
    );
    expect((await verify(h.database.db)).problems).toEqual([]);
  });
});

describe('an action in flight when its dossier is flagged late', () => {
  it('still succeeds with the version read before the flag (200, not 409), and the events stay in order', async () => {
    const clerk = await h.token('clerk.branch');
    const d = (await intake(clerk)).json();
    h.clock.advanceHours(24 * 10);
    try {
      const flagged = await h.services.dossiers.detectLate();
      expect(flagged.flagged).toContain(d.code);
      const r = await h.app.inject({
        method: 'POST',
        url: `/dossiers/${d.code}/forward`,
        headers: auth(clerk),
        payload: { version: d.version },
      });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({ status: 'processing', version: d.version + 1 });
      const rows = await h.database.db
        .selectFrom('dossier_events as e')
        .innerJoin('dossiers as x', 'x.id', 'e.dossier_id')
        .select(['e.seq', 'e.action', 'x.version', 'x.event_seq'])
        .where('x.code', '=', d.code)
        .orderBy('e.seq')
        .execute();
      expect(rows.map((e) => [e.seq, e.action])).toEqual([
        [1, 'receive'],
        [2, 'flag_late'],
        [3, 'forward'],
      ]);
      expect(rows[0]).toMatchObject({ version: 2, event_seq: 3 });
      // The flag has its own audit entry, covering its event.
      const entry = await h.database.db
        .selectFrom('audit_log')
        .select(['payload', 'actor_kind'])
        .where('action', '=', 'dossier.flag_late')
        .where('entity_id', '=', d.code)
        .executeTakeFirstOrThrow();
      expect(entry.actor_kind).toBe('system');
      expect(JSON.parse(entry.payload).event).toMatchObject({ seq: 2 });
      expect((await verify(h.database.db)).problems).toEqual([]);
    } finally {
      h.clock.advanceHours(-24 * 10);
    }
  });
});

describe('the app’s database role', () => {
  it('owns nothing and is no superuser', async () => {
    await expect(checkRuntimeRole(h.database.db)).resolves.toBeUndefined();
    const r = await sql<{ who: string }>`select current_user as who`.execute(h.database.db);
    expect(r.rows[0]!.who).toBe(h.database.role);
  });

  it.each([
    ['update audit_log', sql`update audit_log set action = 'x'`],
    ['delete from audit_log', sql`delete from audit_log`],
    ['truncate audit_log', sql`truncate audit_log`],
    ['update dossier_events', sql`update dossier_events set note = 'x'`],
    ['delete from dossier_events', sql`delete from dossier_events`],
    ['truncate dossier_events', sql`truncate dossier_events`],
    ['delete from audit_heads', sql`delete from audit_heads`],
    ['truncate audit_heads', sql`truncate audit_heads`],
    ['alter table audit_log disable trigger all', sql`alter table audit_log disable trigger all`],
  ])('is refused %s (permission denied)', async (_label, statement) => {
    await expect(statement.execute(h.database.db)).rejects.toMatchObject({ code: '42501' });
  });

  it('may advance a head only by one entry linked to its hash (the trigger), as an append does', async () => {
    await expect(sql`update audit_heads set seq = seq + 2 where stream = ${branchStream}`.execute(h.database.db)).rejects.toThrow(
      /a head only advances by entries linked to the previous hash/,
    );
    await expect(sql`update audit_heads set seq = seq + 1 where stream = ${branchStream}`.execute(h.database.db)).rejects.toThrow(
      /a head only advances by entries linked to the previous hash/,
    );
    await expect(
      sql`insert into audit_heads (stream, seq, prev_hash, hash) values ('forged', 9, 'x', 'y')`.execute(h.database.db),
    ).rejects.toThrow(/starts at its first entry/);
  });

  it.runIf(onPg)('cannot become the owner (PostgreSQL: its session is its own)', async () => {
    await expect(sql`set role postgres`.execute(h.database.db)).rejects.toMatchObject({ code: '42501' });
  });

  it.runIf(!onPg)('is only SET on PGlite: the one embedded session could RESET it (documented in ARCHITECTURE.md)', async () => {
    const who = await h.database.db.connection().execute(async (c) => {
      await sql`reset role`.execute(c);
      const r = await sql<{ who: string }>`select current_user as who`.execute(c);
      await sql`set role ${sql.id(h.database.role)}`.execute(c);
      return r.rows[0]!.who;
    });
    expect(who).toBe('postgres');
    expect((await sql<{ who: string }>`select current_user as who`.execute(h.database.db)).rows[0]!.who).toBe(h.database.role);
  });
});

describe('the owner of the tables', () => {
  it.each([
    ['update audit_log', sql`update audit_log set action = 'x'`, 'audit_log is append-only: UPDATE refused'],
    ['delete from audit_log', sql`delete from audit_log`, 'audit_log is append-only: DELETE refused'],
    ['truncate audit_log', sql`truncate audit_log`, 'audit_log is append-only: TRUNCATE refused'],
    ['update dossier_events', sql`update dossier_events set note = 'x'`, 'dossier_events is append-only: UPDATE refused'],
    ['delete from dossier_events', sql`delete from dossier_events`, 'dossier_events is append-only: DELETE refused'],
    ['truncate dossier_events', sql`truncate dossier_events`, 'dossier_events is append-only: TRUNCATE refused'],
    ['delete from audit_heads', sql`delete from audit_heads`, 'audit_heads is append-only: DELETE refused'],
    ['truncate audit_heads', sql`truncate audit_heads`, 'audit_heads is append-only: TRUNCATE refused'],
    ['update audit_heads by two', sql`update audit_heads set seq = seq + 2`, 'a head only advances by entries linked to the previous hash'],
  ])('is refused %s by the triggers', async (_label, statement, message) => {
    await h.database.asOwner(async (db) => {
      await expect(statement.execute(db)).rejects.toThrow(message);
    });
  });

  it.each([
    ['past an entry that does not link to the one before', { secondPrev: 'x'.repeat(64), headHash: 'h2' }],
    ['to a hash that is not its last entry’s', { secondPrev: 'h1', headHash: 'forged' }],
  ])('is refused a head moved by two %s (the trigger reads the log)', async (_label, o) => {
    await h.database.asOwner(async (db) => {
      const head = await db.selectFrom('audit_heads').selectAll().where('stream', '=', 'batch').executeTakeFirstOrThrow();
      const seq = Number(head.seq);
      const row = (n: number, prev: string, hash: string) =>
        sql`insert into audit_log (stream, seq, at, actor_kind, actor_id, action, entity_type, entity_id, payload, prev_hash, hash)
            values ('batch', ${n}, now(), 'system', null, 'test.forged', 'test', null, '{}', ${prev}, ${hash})`;
      await expect(
        db.transaction().execute(async (trx) => {
          await row(seq + 1, head.hash, 'h1').execute(trx);
          await row(seq + 2, o.secondPrev, 'h2').execute(trx);
          await sql`update audit_heads set seq = ${seq + 2}, prev_hash = ${o.secondPrev}, hash = ${o.headHash} where stream = 'batch'`.execute(
            trx,
          );
        }),
      ).rejects.toThrow(`a head only advances by entries linked to the previous hash (seq ${seq} to ${seq + 2})`);
    });
  });
});

describe('audit verify', () => {
  // Every head, checkpointed outside the database before anything is tampered with.
  beforeAll(async () => {
    await new AuditCheckpointer({ db: h.database.db, key: h.auditKey, file: checkpoints, clock: () => h.clock.now }).checkpoint();
  });

  it('finds nothing wrong in an untouched trail, its events and its checkpoints, whatever the batch size', async () => {
    for (const batchSize of [2, 5000]) {
      const r = await verify(h.database.db, { withCheckpoints: true, batchSize });
      expect(r.problems).toEqual([]);
      expect(r).toMatchObject({ ok: true, checkpoints: 1 });
      expect(r.events).toBeGreaterThanOrEqual(events);
    }
  });

  it('names a rewritten entry, and every entry after it, when the owner rehashes the chain with plain sha256', async () => {
    const r = await tampered(
      async (db) => {
        await sql`alter table audit_log disable trigger audit_log_append_only`.execute(db);
        await sql`alter table audit_heads disable trigger audit_heads_advance_only`.execute(db);
        const rows = await streamRows(db, branchStream);
        let prev = rows[0]!.hash;
        for (const row of rows.slice(1)) {
          const payload = row.seq === 2 ? JSON.stringify({ ...JSON.parse(row.payload), data: { rewritten: true } }) : row.payload;
          const hash = createHash('sha256')
            .update(chainMessage(prev, row.stream, row.seq, payload))
            .digest('hex');
          await sql`update audit_log set payload = ${payload}, prev_hash = ${prev}, hash = ${hash} where stream = ${row.stream} and seq = ${row.seq}`.execute(
            db,
          );
          prev = hash;
        }
        await sql`update audit_heads set hash = ${prev} where stream = ${branchStream}`.execute(db);
      },
      async (db) => ({
        plain: await verify(db),
        checked: await verify(db, { withCheckpoints: true, batchSize: 3 }),
        n: (await streamRows(db, branchStream)).length,
      }),
    );
    expect(r.plain.ok).toBe(false);
    const expected = Array.from({ length: r.n - 1 }, (_, i) => ({
      stream: branchStream,
      seq: i + 2,
      reason: 'hash mismatch: the entry was altered or rehashed without the audit key',
    }));
    expect(r.plain.problems).toEqual(expected);
    // The checkpoint outside the database recorded the true head as well.
    expect(brief(r.checked.problems)).toContain(
      `${branchStream}#${r.n}: differs from the checkpoint of ${h.clock.now.toISOString()}: this entry or one before it was rewritten`,
    );
  });

  it('reports both of two entries altered in one stream, not only the first', async () => {
    const r = await tampered(
      async (db) => {
        await sql`alter table audit_log disable trigger audit_log_append_only`.execute(db);
        await sql`update audit_log set actor_id = null where stream = ${branchStream} and seq in (2, 4)`.execute(db);
      },
      (db) => verify(db),
    );
    expect(r.problems).toEqual([
      { stream: branchStream, seq: 2, reason: 'columns differ from the hashed payload' },
      { stream: branchStream, seq: 4, reason: 'columns differ from the hashed payload' },
    ]);
  });

  it('reports a gap where entries were deleted, and a head that no longer ends its chain', async () => {
    const r = await tampered(
      async (db) => {
        await sql`alter table audit_log disable trigger audit_log_append_only`.execute(db);
        await sql`delete from audit_log where stream = ${branchStream} and seq in (2, 3)`.execute(db);
      },
      (db) => verify(db),
    );
    expect(brief(r.problems.filter((p) => p.stream === branchStream))).toEqual([
      `${branchStream}#4: sequence gap: entries 2 to 3 are missing`,
    ]);
    // An event whose entry was among them is covered by none now.
    const r2 = await tampered(
      async (db) => {
        await sql`alter table audit_log disable trigger audit_log_append_only`.execute(db);
        await sql`delete from audit_log where stream = ${branchStream} and seq = (select max(seq) from audit_log where stream = ${branchStream})`.execute(
          db,
        );
      },
      (db) => verify(db),
    );
    expect(brief(r2.problems)[0]).toMatch(new RegExp(`^${branchStream}#\\d+: chain ends at \\d+ but its head says \\d+`));
    expect(r2.problems.some((p) => p.stream === 'dossier_events' && /has no audit entry/.test(p.reason))).toBe(true);
  });

  it('reports a dossier event altered, one removed, and one added without its entry', async () => {
    const r = await tampered(
      async (db) => {
        await sql`alter table dossier_events disable trigger dossier_events_append_only`.execute(db);
        const [a, b] = await db.selectFrom('dossier_events').select(['dossier_id', 'seq']).orderBy('id').limit(2).execute();
        await sql`update dossier_events set note = 'rewritten' where dossier_id = ${a!.dossier_id} and seq = ${a!.seq}`.execute(db);
        await sql`delete from dossier_events where dossier_id = ${b!.dossier_id} and seq = ${b!.seq}`.execute(db);
        await sql`insert into dossier_events (dossier_id, province_code, seq, action, from_status, to_status, actor_kind, at)
                  values (${a!.dossier_id}, '37', 77, 'forged', null, 'received', 'system', now())`.execute(db);
      },
      (db) => verify(db),
    );
    const reasons = r.problems.map((p) => p.reason);
    expect(reasons.filter((x) => /was altered: its row differs from the digest/.test(x))).toHaveLength(1);
    expect(reasons.filter((x) => /is missing: removed from dossier_events/.test(x))).toHaveLength(1);
    expect(r.problems.filter((p) => p.stream === 'dossier_events')).toEqual([
      expect.objectContaining({ seq: 77, reason: expect.stringMatching(/#77 has no audit entry$/) }),
    ]);
    expect(r.problems).toHaveLength(3);
  });

  it('reports every event when dossier_events is truncated', async () => {
    const r = await tampered(
      async (db) => {
        await sql`alter table dossier_events disable trigger dossier_events_no_truncate`.execute(db);
        await sql`truncate dossier_events`.execute(db);
      },
      async (db) => ({ v: await verify(db), entries: await db.selectFrom('audit_log').select('payload').execute() }),
    );
    const covered = r.entries.filter((e) => JSON.parse(e.payload).event).length;
    expect(r.v.problems).toHaveLength(covered);
    expect(r.v.problems.every((p) => /is missing: removed from dossier_events/.test(p.reason))).toBe(true);
  });

  it('catches TRUNCATE of audit_log, audit_heads and dossier_events together through the checkpoints', async () => {
    const r = await tampered(
      async (db) => {
        for (const t of ['audit_log', 'audit_heads', 'dossier_events'])
          await sql`alter table ${sql.table(t)} disable trigger user`.execute(db);
        await sql`truncate audit_log, audit_heads, dossier_events`.execute(db);
      },
      async (db) => ({ without: await verify(db), with: await verify(db, { withCheckpoints: true }) }),
    );
    // Inside the database nothing is left to disagree: an empty trail is a consistent one.
    expect(r.without).toMatchObject({ ok: true, entries: 0, events: 0 });
    const heads = await h.database.db.selectFrom('audit_heads').select(['stream', 'seq']).orderBy('stream').execute();
    expect(r.with.ok).toBe(false);
    expect(brief(r.with.problems)).toEqual(
      [...heads]
        .sort((x, y) => (x.stream < y.stream ? -1 : 1))
        .map((x) => `${x.stream}#${x.seq}: stream missing: the checkpoint of ${h.clock.now.toISOString()} recorded ${x.seq} entries`),
    );
  });

  it('catches a stream wound back consistently (last entries deleted, head set back) through the checkpoints', async () => {
    const r = await tampered(
      async (db) => {
        await sql`alter table audit_log disable trigger audit_log_append_only`.execute(db);
        await sql`alter table audit_heads disable trigger audit_heads_advance_only`.execute(db);
        const rows = await streamRows(db, branchStream);
        const keep = rows[rows.length - 3]!;
        await sql`delete from audit_log where stream = ${branchStream} and seq > ${keep.seq}`.execute(db);
        await sql`update audit_heads set seq = ${keep.seq}, hash = ${keep.hash}, prev_hash = ${keep.prev_hash} where stream = ${branchStream}`.execute(
          db,
        );
      },
      async (db) => ({
        chain: await verify(db),
        with: await verify(db, { withCheckpoints: true }),
        n: (await streamRows(db, branchStream)).length,
      }),
    );
    // The chain itself is whole (its covered events are what is missing their entries)…
    expect(r.chain.problems.filter((p) => p.stream === branchStream)).toEqual([]);
    // …but it is shorter than the checkpoint says.
    expect(r.with.problems.filter((p) => p.stream === branchStream).map((p) => p.reason)).toEqual([
      `chain ends at ${r.n} but the checkpoint of ${h.clock.now.toISOString()} recorded ${r.n + 2}: entries removed`,
    ]);
  });

  it('reports every entry and every checkpoint line when verified with another key', async () => {
    const other = AuditKey.generate();
    const r = await verify(h.database.db, { key: other, withCheckpoints: true });
    const entries = await h.database.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(r.problems.filter((p) => /^hash mismatch/.test(p.reason))).toHaveLength(Number(entries.n));
    expect(r.problems[0]).toEqual({
      stream: 'checkpoints',
      seq: 1,
      reason: `checkpoint line 1: written with another audit key (${h.auditKey.id}; this key is ${other.id}): nothing it says can be checked`,
    });
  });
});

describe('checkpoints', () => {
  it('append every head first, then only the heads that moved, each line HMAC’d, in a file only its owner reads', async () => {
    const file2 = path.join(dir, 'second', 'checkpoints.jsonl');
    const writer = new AuditCheckpointer({ db: h.database.db, key: h.auditKey, file: file2, clock: () => h.clock.now });
    const heads = await h.database.db.selectFrom('audit_heads').select('stream').execute();
    expect(await writer.checkpoint()).toEqual({ written: true, streams: heads.length });
    expect(await writer.checkpoint()).toEqual({ written: false, streams: 0 });
    await intake(await h.token('clerk.center'));
    const third = await writer.checkpoint();
    expect(third.written).toBe(true);
    const lines = fs.readFileSync(file2, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect((JSON.parse(lines[1]!).heads as [string][]).map(([s]) => s)).toContain(`unit:${h.unit('TTPVHCC')}`);
    expect(fs.statSync(file2).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file2)).mode & 0o777).toBe(0o700);
    expect((await verifyAudit(h.database.db, h.auditKey, { checkpoints: file2 })).problems).toEqual([]);
    // A line altered by hand no longer verifies.
    fs.writeFileSync(
      file2,
      `${lines[0]!.replace(/"unit:(\d+)",(\d+),/, (_m, u: string, n: string) => `"unit:${u}",${Number(n) - 1},`)}\n${lines[1]}\n`,
    );
    const r = await verifyAudit(h.database.db, h.auditKey, { checkpoints: file2 });
    expect(r.problems).toEqual([{ stream: 'checkpoints', seq: 1, reason: 'checkpoint line 1: MAC mismatch: the line was altered' }]);
  });
});

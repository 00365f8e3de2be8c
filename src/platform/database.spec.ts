import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { sql } from 'kysely';
import { createTestDatabase } from './testing.js';
import type { AppDatabase } from './database-roles.js';

let database: AppDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.close();
});

describe('database', () => {
  it('applies the migrations and refuses to change the audit log: to the app role by its grants, to the owner by triggers', async () => {
    const { db } = database;
    await db
      .insertInto('audit_log')
      .values({
        stream: 's',
        seq: 1,
        at: new Date(),
        actor_kind: 'system',
        actor_id: null,
        action: 'x',
        entity_type: 'test',
        entity_id: null,
        payload: '{}',
        prev_hash: '0',
        hash: '1',
      })
      .execute();
    await expect(sql`update audit_log set action = 'y'`.execute(db)).rejects.toMatchObject({ code: '42501' });
    await expect(sql`delete from audit_log`.execute(db)).rejects.toMatchObject({ code: '42501' });
    await database.asOwner(async (owner) => {
      await expect(sql`update audit_log set action = 'y'`.execute(owner)).rejects.toThrow('audit_log is append-only: UPDATE refused');
      await expect(sql`delete from audit_log`.execute(owner)).rejects.toThrow('audit_log is append-only: DELETE refused');
    });
    const rows = await db.selectFrom('audit_log').select(['action']).orderBy('seq').execute();
    expect(rows).toEqual([{ action: 'x' }]);
  });

  it('indexes every foreign key (an index whose leading columns are the key)', async () => {
    const r = await sql<{ tbl: string; cols: string }>`
      select c.conrelid::regclass::text as tbl, array_to_string(array(select a.attname from unnest(c.conkey) k join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k order by a.attnum), ',') as cols
      from pg_constraint c
      where c.contype = 'f'
        and not exists (
          select 1 from pg_index i
          where i.indrelid = c.conrelid
            and (string_to_array(i.indkey::text, ' ')::int2[])[1:array_length(c.conkey, 1)] = c.conkey
        )
      order by 1, 2`.execute(database.db);
    expect(r.rows).toEqual([]);
  });

  it('has pg_trgm for fuzzy search', async () => {
    const r = await sql<{ s: number }>`select similarity('dang ky khai sinh', 'dang ki khai sinh') as s`.execute(database.db);
    expect(r.rows[0]!.s).toBeGreaterThan(0.5);
  });
});

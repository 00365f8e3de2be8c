import http from 'node:http';
import { describe, it, expect, beforeAll } from 'vitest';
import { createHarness, applicant, newIdNumber, PASSWORD, type Harness } from './harness.js';
import { verifyAudit } from '../src/audit/audit.service.js';
import { hashPassword } from '../src/auth/auth.service.js';
import { NotificationService } from '../src/notifications/notification.service.js';

// Monday 23 November 2026, 08:00 in Vietnam: a working day.
const START = '2026-11-23T08:00:00+07:00';
let h: Harness;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });
let center = 0;
let branch = 0;
let groupA = 0;
let groupB = 0;
let counter1 = 0;
let counter2 = 0;

async function post(url: string, token: string | null, payload?: unknown) {
  return h.app.inject({
    method: 'POST',
    url,
    ...(token ? { headers: auth(token) } : {}),
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
}

async function countRows(table: 'queue_tickets' | 'queue_bookings' | 'queue_groups' | 'notifications'): Promise<number> {
  const r = await h.database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

async function kioskTicket(groupId: number, priority?: string) {
  const r = await post(`/public/queue/points/${center}/tickets`, null, { groupId, ...(priority ? { priority } : {}) });
  expect(r.statusCode, r.body).toBe(201);
  return r.json() as { id: number; label: string; status: string; ahead: number; estimatedWaitSeconds: number; priority: string | null };
}

/** Clears the center's queue so each test starts with nobody waiting. */
async function clearQueue() {
  await h.database.db
    .updateTable('queue_tickets')
    .set({ status: 'cancelled', ended_at: h.clock.now })
    .where('status', 'in', ['waiting', 'called', 'serving'])
    .execute();
}

beforeAll(async () => {
  h = await createHarness(START);
  center = h.unit('TTPVHCC');
  branch = h.unit('CN-A');
  const hash = await hashPassword(PASSWORD);
  await h.database.db
    .insertInto('staff')
    .values([{ username: 'clerk.center2', password_hash: hash, full_name: 'Trần Thị Hai', role: 'clerk', unit_id: center }])
    .execute();
  const manager = await h.token('manager.center');
  const a = await post(`/queue/points/${center}/groups`, manager, {
    code: 'A',
    nameVi: 'Hộ tịch',
    nameEn: 'Civil status',
    procedureCodes: ['1.001193'],
    slotCapacity: 2,
  });
  expect(a.statusCode, a.body).toBe(201);
  groupA = a.json().id;
  const b = await post(`/queue/points/${center}/groups`, manager, {
    code: 'B',
    nameVi: 'Lý lịch tư pháp',
    nameEn: 'Judicial records',
    procedureCodes: ['2.000488'],
  });
  groupB = b.json().id;
  counter1 = (await post(`/queue/points/${center}/counters`, manager, { number: 1 })).json().id;
  counter2 = (await post(`/queue/points/${center}/counters`, manager, { number: 2 })).json().id;
});

describe('set-up of groups and counters', () => {
  it('shows the groups with their procedures and the counters to the point’s clerks', async () => {
    const r = await h.app.inject({ method: 'GET', url: `/queue/points/${center}/setup`, headers: auth(await h.token('clerk.center')) });
    expect(r.statusCode).toBe(200);
    const s = r.json();
    expect(
      s.groups.map((g: { code: string; procedureCodes: string[]; targetWaitSeconds: number }) => [
        g.code,
        g.procedureCodes,
        g.targetWaitSeconds,
      ]),
    ).toEqual([
      ['A', ['1.001193'], 900],
      ['B', ['2.000488'], 900],
    ]);
    expect(s.counters.map((c: { number: number; nameVi: string; staffId: null }) => [c.number, c.nameVi, c.staffId])).toEqual([
      [1, 'Quầy 1', null],
      [2, 'Quầy 2', null],
    ]);
  });

  it('refuses a duplicate group code, an unknown procedure and a bad code, storing nothing', async () => {
    const manager = await h.token('manager.center');
    const before = await countRows('queue_groups');
    const dup = await post(`/queue/points/${center}/groups`, manager, { code: 'A', nameVi: 'Trùng', nameEn: 'Duplicate' });
    expect([dup.statusCode, dup.json().code, dup.json().field]).toEqual([409, 'CONFLICT', 'body.code']);
    const unknown = await post(`/queue/points/${center}/groups`, manager, {
      code: 'C',
      nameVi: 'Khác',
      nameEn: 'Other',
      procedureCodes: ['9.999999'],
    });
    expect([unknown.statusCode, unknown.json().code, unknown.json().field]).toEqual([422, 'UNKNOWN_PROCEDURE', 'body.procedureCodes']);
    const bad = await post(`/queue/points/${center}/groups`, manager, { code: 'a1', nameVi: 'Sai', nameEn: 'Bad' });
    expect([bad.statusCode, bad.json().code, bad.json().field]).toEqual([400, 'VALIDATION', 'body.code']);
    expect(await countRows('queue_groups')).toBe(before);
  });

  it('keeps each role to what it may do', async () => {
    const setup = (t: string, unit = center) => h.app.inject({ method: 'GET', url: `/queue/points/${unit}/setup`, headers: auth(t) });
    // A clerk cannot configure; specialists, approvers and the province admin do not sit at counters.
    const clerkGroup = await post(`/queue/points/${center}/groups`, await h.token('clerk.center'), {
      code: 'Z',
      nameVi: 'Không',
      nameEn: 'No',
    });
    expect([clerkGroup.statusCode, clerkGroup.json().code]).toEqual([403, 'FORBIDDEN']);
    for (const who of ['spec.stp', 'appr.stp', 'admin']) {
      const r = await post(`/queue/counters/${counter1}/open`, await h.token(who));
      expect([who, r.statusCode, r.json().code]).toEqual([who, 403, 'FORBIDDEN']);
      const call = await post(`/queue/counters/${counter1}/call-next`, await h.token(who));
      expect([who, call.statusCode]).toEqual([who, 403]);
    }
    for (const who of ['spec.stp', 'appr.stp']) expect((await setup(await h.token(who))).statusCode).toBe(403);
    // Outside the unit scope a point does not exist.
    expect((await setup(await h.token('clerk.branch'))).statusCode).toBe(404);
    expect((await post(`/queue/counters/${counter1}/open`, await h.token('clerk.branch'))).statusCode).toBe(404);
    expect((await post(`/queue/points/${center}/tickets`, await h.token('clerk.branch'), { groupId: groupA })).statusCode).toBe(404);
    // An agency is not a service point.
    expect((await h.app.inject({ method: 'GET', url: `/public/queue/points/${h.unit('STP')}` })).statusCode).toBe(404);
    // Without a session: 401.
    expect((await post(`/queue/counters/${counter1}/call-next`, null)).statusCode).toBe(401);
  });
});

describe('tickets, calling and serving', () => {
  it('numbers kiosk tickets per group and day and estimates the wait from the queue ahead', async () => {
    const t1 = await kioskTicket(groupA);
    const t2 = await kioskTicket(groupA);
    const b1 = await kioskTicket(groupB);
    expect([t1.label, t1.status, t1.ahead, t1.estimatedWaitSeconds]).toEqual(['A001', 'waiting', 0, 0]);
    // No history yet: 600 s per citizen ahead, one counter assumed when none is open.
    expect([t2.label, t2.ahead, t2.estimatedWaitSeconds]).toEqual(['A002', 1, 600]);
    expect([b1.label, b1.ahead]).toEqual(['B001', 0]);
    const kiosk = (await h.app.inject({ method: 'GET', url: `/public/queue/points/${center}` })).json();
    expect(
      kiosk.groups.map((g: { code: string; waiting: number; estimatedWaitSeconds: number; bookable: boolean }) => [
        g.code,
        g.waiting,
        g.estimatedWaitSeconds,
        g.bookable,
      ]),
    ).toEqual([
      ['A', 2, 1200, true],
      ['B', 1, 600, false],
    ]);
    await clearQueue();
  });

  it('refuses bad ticket input with the field named and stores nothing', async () => {
    const before = await countRows('queue_tickets');
    const cases: [unknown, string][] = [
      [{ groupId: 'A' }, 'body.groupId'],
      [{ groupId: groupA, priority: 'vip' }, 'body.priority'],
      [{ groupId: groupA, extra: 1 }, 'body.extra'],
      [{}, 'body.groupId'],
    ];
    for (const [payload, field] of cases) {
      const r = await post(`/public/queue/points/${center}/tickets`, null, payload);
      expect([r.statusCode, r.json().code, r.json().field]).toEqual([400, 'VALIDATION', field]);
    }
    // A group of another point.
    const other = await post(`/public/queue/points/${branch}/tickets`, null, { groupId: groupA });
    expect([other.statusCode, other.json().field]).toEqual([400, 'body.groupId']);
    const huge = await h.app.inject({
      method: 'POST',
      url: `/public/queue/points/${center}/tickets`,
      headers: { 'content-type': 'application/json' },
      payload: `{"groupId":${groupA},"pad":"${'x'.repeat(1_100_000)}"}`,
    });
    expect(huge.statusCode).toBe(413);
    expect(await countRows('queue_tickets')).toBe(before);
  });

  it('calls only from an open counter, one clerk per counter and one counter per clerk', async () => {
    const clerk = await h.token('clerk.center');
    const early = await post(`/queue/counters/${counter1}/call-next`, clerk);
    expect([early.statusCode, early.json().code]).toEqual([409, 'COUNTER_NOT_OPEN']);
    const open = await post(`/queue/counters/${counter1}/open`, clerk);
    expect([open.statusCode, open.json().staffName]).toEqual([200, 'clerk.center']);
    const second = await post(`/queue/counters/${counter2}/open`, clerk);
    expect([second.statusCode, second.json().code]).toEqual([409, 'COUNTER_BUSY']);
    const taken = await post(`/queue/counters/${counter1}/open`, await h.token('clerk.center2'));
    expect([taken.statusCode, taken.json().code]).toEqual([409, 'COUNTER_BUSY']);
    const empty = await post(`/queue/counters/${counter1}/call-next`, clerk);
    expect(empty.json()).toEqual({ ticket: null });
  });

  it('serves the priority lane first but never more than two in a row while others wait', async () => {
    const clerk = await h.token('clerk.center');
    const labels: string[] = [];
    for (const p of [undefined, undefined, 'elderly', 'pregnant', 'disabled']) {
      labels.push((await kioskTicket(groupA, p)).label);
      h.clock.advanceHours(1 / 60);
    }
    const [n1, n2, p1, p2, p3] = labels;
    const called: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await post(`/queue/counters/${counter1}/call-next`, clerk);
      expect(r.statusCode, r.body).toBe(200);
      const t = r.json().ticket;
      called.push(t.label);
      expect(await post(`/queue/tickets/${t.id}/finish`, clerk)).toHaveProperty('statusCode', 200);
      h.clock.advanceHours(1 / 60);
    }
    expect(called).toEqual([p1, p2, n1, p3, n2]);
  });

  it('walks a ticket through recall, start and finish, keeping every time, and refuses what its status forbids', async () => {
    const clerk = await h.token('clerk.center');
    const t = await kioskTicket(groupA);
    h.clock.advanceHours(0.1); // 6 minutes
    const called = (await post(`/queue/counters/${counter1}/call-next`, clerk)).json().ticket;
    expect([called.id, called.status, called.callCount, called.waitSeconds, called.counterId]).toEqual([t.id, 'called', 1, 360, counter1]);
    const inHand = await post(`/queue/counters/${counter1}/call-next`, clerk);
    expect([inHand.statusCode, inHand.json().code]).toEqual([409, 'TICKET_IN_HAND']);
    const close = await post(`/queue/counters/${counter1}/close`, clerk);
    expect([close.statusCode, close.json().code]).toEqual([409, 'TICKET_IN_HAND']);
    h.clock.advanceHours(1 / 60);
    const recalled = (await post(`/queue/tickets/${t.id}/recall`, clerk)).json();
    // The last call counts for the wait.
    expect([recalled.callCount, recalled.waitSeconds]).toEqual([2, 420]);
    const started = (await post(`/queue/tickets/${t.id}/start`, clerk)).json();
    expect([started.status, started.startedAt]).toEqual(['serving', h.clock.now.toISOString()]);
    const again = await post(`/queue/tickets/${t.id}/start`, clerk);
    expect([again.statusCode, again.json().code]).toEqual([409, 'INVALID_TRANSITION']);
    const noShow = await post(`/queue/tickets/${t.id}/no-show`, clerk);
    expect([noShow.statusCode, noShow.json().code]).toEqual([409, 'INVALID_TRANSITION']);
    // Another clerk cannot finish a ticket held at this counter.
    const other = await post(`/queue/tickets/${t.id}/finish`, await h.token('clerk.center2'));
    expect([other.statusCode, other.json().code]).toEqual([403, 'FORBIDDEN']);
    h.clock.advanceHours(0.2); // 12 minutes of service
    const done = (await post(`/queue/tickets/${t.id}/finish`, clerk)).json();
    // Service = end − the last call (the recall), as the wait counts from it: 1 + 12 minutes after the recall… minus the minute before start.
    expect([done.status, done.serviceSeconds, done.endedAt]).toEqual(['done', 720, h.clock.now.toISOString()]);
    const row = await h.database.db.selectFrom('queue_tickets').selectAll().where('id', '=', t.id).executeTakeFirstOrThrow();
    expect([row.call_count, row.status, row.ended_at?.toISOString()]).toEqual([2, 'done', h.clock.now.toISOString()]);
  });

  it('marks a no-show, and links a finished service to the dossiers it received at this point only', async () => {
    const clerk = await h.token('clerk.center');
    const gone = await kioskTicket(groupA);
    await post(`/queue/counters/${counter1}/call-next`, clerk);
    const ns = (await post(`/queue/tickets/${gone.id}/no-show`, clerk)).json();
    expect([ns.status, ns.endedAt]).toEqual(['no_show', h.clock.now.toISOString()]);

    const t = await kioskTicket(groupA);
    await post(`/queue/counters/${counter1}/call-next`, clerk);
    const file = await h.upload(clerk, 'to khai');
    const here = await h.app.inject({
      method: 'POST',
      url: '/dossiers',
      headers: auth(clerk),
      payload: {
        procedureCode: '2.000488',
        applicant: applicant('14001', { idNumber: newIdNumber() }),
        components: [
          { code: 'TK', source: 'upload', fileSha256: file },
          { code: 'CCCD', source: 'population_db' },
        ],
      },
    });
    expect(here.statusCode, here.body).toBe(201);
    const branchClerk = await h.token('clerk.branch');
    const fileB = await h.upload(branchClerk, 'to khai');
    const there = await h.app.inject({
      method: 'POST',
      url: '/dossiers',
      headers: auth(branchClerk),
      payload: {
        procedureCode: '1.001193',
        applicant: applicant('14002', { idNumber: newIdNumber() }),
        components: [
          { code: 'TK', source: 'upload', fileSha256: fileB },
          { code: 'GCS', source: 'upload', fileSha256: fileB },
          { code: 'CCCD', source: 'population_db' },
        ],
      },
    });
    expect(there.statusCode, there.body).toBe(201);
    // A dossier of another point is not in this clerk's scope: it does not exist for them.
    const wrong = await post(`/queue/tickets/${t.id}/finish`, clerk, { dossierCodes: [there.json().code] });
    expect([wrong.statusCode, wrong.json().code, wrong.json().field]).toEqual([404, 'NOT_FOUND', 'body.dossierCodes.0']);
    const done = await post(`/queue/tickets/${t.id}/finish`, clerk, { dossierCodes: [here.json().code] });
    expect([done.statusCode, done.json().status, done.json().dossierCodes]).toEqual([200, 'done', [here.json().code]]);
    const links = await h.database.db
      .selectFrom('queue_ticket_dossiers as td')
      .innerJoin('dossiers as d', 'd.id', 'td.dossier_id')
      .select(['td.ticket_id', 'd.code'])
      .where('td.ticket_id', '=', t.id)
      .execute();
    expect(links).toEqual([{ ticket_id: t.id, code: here.json().code }]);
  });

  it('transfers a ticket to another group keeping its place, or to a named counter that calls it first', async () => {
    const clerk = await h.token('clerk.center');
    const clerk2 = await h.token('clerk.center2');
    const early = await kioskTicket(groupA);
    h.clock.advanceHours(0.05);
    const laterB = await kioskTicket(groupB);
    await post(`/queue/counters/${counter1}/call-next`, clerk);
    const moved = (await post(`/queue/tickets/${early.id}/transfer`, clerk, { groupId: groupB })).json();
    expect([moved.status, moved.groupId, moved.counterId, moved.callCount]).toEqual(['waiting', groupB, null, 0]);
    // It arrived before B's own ticket, so it is called first.
    expect((await post(`/queue/counters/${counter1}/call-next`, clerk)).json().ticket.id).toBe(early.id);
    const bad = await post(`/queue/tickets/${early.id}/transfer`, clerk, { counterId: counter1 });
    expect([bad.statusCode, bad.json().field]).toEqual([400, 'body.counterId']);
    expect((await post(`/queue/tickets/${early.id}/transfer`, clerk, { counterId: counter2 })).statusCode).toBe(200);
    expect((await post(`/queue/counters/${counter2}/open`, clerk2)).statusCode).toBe(200);
    // Counter 2 gets the ticket sent to it before the older B ticket; counter 1 could not take it.
    expect((await post(`/queue/counters/${counter1}/call-next`, clerk)).json().ticket.id).toBe(laterB.id);
    expect((await post(`/queue/counters/${counter2}/call-next`, clerk2)).json().ticket.id).toBe(early.id);
    await post(`/queue/tickets/${laterB.id}/finish`, clerk);
    await post(`/queue/tickets/${early.id}/finish`, clerk2);
  });

  it('follows the clerk’s groups and weights: a clerk of group B only never calls group A', async () => {
    const manager = await h.token('manager.center');
    const staff = await h.database.db.selectFrom('staff').select('id').where('username', '=', 'clerk.center2').executeTakeFirstOrThrow();
    const set = await h.app.inject({
      method: 'PUT',
      url: `/queue/staff/${staff.id}/groups`,
      headers: auth(manager),
      payload: { groups: [{ groupId: groupB, weight: 3 }] },
    });
    expect(set.statusCode, set.body).toBe(200);
    const foreign = await h.app.inject({
      method: 'PUT',
      url: `/queue/staff/${staff.id}/groups`,
      headers: auth(manager),
      payload: { groups: [{ groupId: 999_999, weight: 1 }] },
    });
    expect([foreign.statusCode, foreign.json().field]).toEqual([400, 'body.groups.0.groupId']);
    const a = await kioskTicket(groupA);
    const clerk2 = await h.token('clerk.center2');
    expect((await post(`/queue/counters/${counter2}/call-next`, clerk2)).json()).toEqual({ ticket: null });
    const mine = (await h.app.inject({ method: 'GET', url: '/queue/counters/mine', headers: auth(clerk2) })).json();
    expect(mine.groups.map((g: { code: string; weight: number; waiting: number }) => [g.code, g.weight, g.waiting])).toEqual([['B', 3, 0]]);
    const setup = (await h.app.inject({ method: 'GET', url: `/queue/points/${center}/setup`, headers: auth(manager) })).json();
    expect(setup.clerks.map((c: { username: string; groups: unknown[] }) => [c.username, c.groups])).toEqual([
      ['clerk.center', []],
      ['clerk.center2', [{ groupId: groupB, weight: 3 }]],
      ['manager.center', []],
    ]);
    const clerk = await h.token('clerk.center');
    expect((await post(`/queue/counters/${counter1}/call-next`, clerk)).json().ticket.id).toBe(a.id);
    await post(`/queue/tickets/${a.id}/finish`, clerk);
    await h.app.inject({ method: 'PUT', url: `/queue/staff/${staff.id}/groups`, headers: auth(manager), payload: { groups: [] } });
  });

  it('never gives the same ticket to two counters calling at the same moment', async () => {
    await clearQueue();
    const clerk = await h.token('clerk.center');
    const clerk2 = await h.token('clerk.center2');
    const issued = [];
    for (let i = 0; i < 12; i++) issued.push((await kioskTicket(i % 2 ? groupA : groupB)).id);
    const got: number[] = [];
    for (let round = 0; round < 6; round++) {
      const [r1, r2] = await Promise.all([
        post(`/queue/counters/${counter1}/call-next`, clerk),
        post(`/queue/counters/${counter2}/call-next`, clerk2),
      ]);
      for (const [r, c] of [
        [r1, clerk],
        [r2, clerk2],
      ] as const) {
        expect(r.statusCode, r.body).toBe(200);
        const t = r.json().ticket;
        got.push(t.id);
        await post(`/queue/tickets/${t.id}/finish`, c);
      }
    }
    expect(new Set(got).size).toBe(12);
    expect([...got].sort((x, y) => x - y)).toEqual([...issued].sort((x, y) => x - y));
    const called = await h.database.db.selectFrom('queue_tickets').select(['id', 'counter_id']).where('id', 'in', issued).execute();
    expect(called.every((t) => t.counter_id === counter1 || t.counter_id === counter2)).toBe(true);
  });
});

describe('the ticket on the holder’s phone', () => {
  it('shows the place while waiting and the counter once called, to whoever holds the ticket’s token', async () => {
    await clearQueue();
    const clerk = await h.token('clerk.center');
    const first = await kioskTicket(groupA);
    const r = await post(`/public/queue/points/${center}/tickets`, null, { groupId: groupA });
    const mine = r.json() as { token: string; label: string };
    expect(mine.token).toMatch(/^[A-Za-z0-9_-]{16}$/);
    const follow = () => h.app.inject({ method: 'GET', url: `/public/queue/tickets/${mine.token}` });
    expect((await follow()).json()).toMatchObject({
      label: mine.label,
      status: 'waiting',
      ahead: 1,
      estimatedWaitSeconds: expect.any(Number),
      counterNumber: null,
      pointNameVi: 'Trung tâm PVHCC tỉnh',
    });
    await post(`/queue/counters/${counter1}/call-next`, clerk);
    await post(`/queue/tickets/${first.id}/finish`, clerk);
    await post(`/queue/counters/${counter1}/call-next`, clerk);
    expect((await follow()).json()).toMatchObject({
      status: 'called',
      ahead: null,
      estimatedWaitSeconds: null,
      counterNumber: 1,
      counterNameVi: 'Quầy 1',
      callCount: 1,
    });
    const qr = await h.app.inject({ method: 'GET', url: `/public/queue/tickets/${mine.token}/qr.svg` });
    expect([qr.statusCode, qr.headers['content-type']]).toEqual([200, 'image/svg+xml']);
    expect(qr.body.startsWith('<svg')).toBe(true);
    // An unknown token and a malformed one: nothing to see.
    expect((await h.app.inject({ method: 'GET', url: '/public/queue/tickets/AAAAAAAAAAAAAAAA' })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: '/public/queue/tickets/short' })).statusCode).toBe(400);
    const t = await h.database.db
      .selectFrom('queue_tickets')
      .select(['id', 'status'])
      .where('token', '=', mine.token)
      .executeTakeFirstOrThrow();
    await post(`/queue/tickets/${t.id}/finish`, clerk);
  });
});

describe('the day’s figures', () => {
  it('computes waits, service times, no-shows and the share within target for the day', async () => {
    // A fresh point: the branch, with one group and one counter.
    const admin = await h.token('admin');
    const g = (
      await post(`/queue/points/${branch}/groups`, admin, { code: 'A', nameVi: 'Tất cả', nameEn: 'All', targetWaitSeconds: 600 })
    ).json().id;
    const c = (await post(`/queue/points/${branch}/counters`, admin, { number: 1 })).json().id;
    const clerk = await h.token('clerk.branch');
    await post(`/queue/counters/${c}/open`, clerk);
    h.clock.set('2026-11-23T09:00:00+07:00');
    const take = async () => (await post(`/public/queue/points/${branch}/tickets`, null, { groupId: g })).json().id as number;
    const t1 = await take();
    const t2 = await take();
    const t3 = await take();
    const t4 = await take();
    // t1 waits 5 min, served 10 min; t2 waits 15 min, served 5 min; t3 waits 20 min, no-show; t4 still waiting.
    h.clock.set('2026-11-23T09:05:00+07:00');
    await post(`/queue/counters/${c}/call-next`, clerk);
    h.clock.set('2026-11-23T09:15:00+07:00');
    await post(`/queue/tickets/${t1}/finish`, clerk);
    await post(`/queue/counters/${c}/call-next`, clerk);
    h.clock.set('2026-11-23T09:20:00+07:00');
    await post(`/queue/tickets/${t2}/finish`, clerk);
    await post(`/queue/counters/${c}/call-next`, clerk);
    h.clock.set('2026-11-23T09:25:00+07:00');
    await post(`/queue/tickets/${t3}/no-show`, clerk);
    h.clock.set('2026-11-23T09:30:00+07:00');
    const r = await h.app.inject({ method: 'GET', url: `/queue/points/${branch}/live`, headers: auth(clerk) });
    expect(r.statusCode, r.body).toBe(200);
    const f = r.json().figures;
    expect(f).toEqual({
      arrived: 4,
      waiting: 1,
      called: 0,
      serving: 0,
      served: 2,
      noShows: 1,
      cancelled: 0,
      meanWaitSeconds: 800,
      p90WaitSeconds: 1200,
      meanServiceSeconds: 450,
      p90ServiceSeconds: 600,
      // Within 600 s: t1 only; t2, t3 and the still-waiting t4 (30 min) missed.
      shareWithinTarget: 0.25,
      longestWaitingSeconds: 1800,
    });
    expect(r.json().arrivalsByHour).toEqual([{ hour: 9, arrivals: 4 }]);
    // The estimate for a new ticket: 1 ahead × 450 s mean service over 1 open counter.
    expect(r.json().groups[0].estimatedWaitSeconds).toBe(450);
    expect(t4).toBeGreaterThan(t3);
    const hist = await h.services.queue.board.hourlyHistory([branch], '2026-11-23', '2026-11-23');
    expect(hist).toEqual([
      {
        unit_id: branch,
        day: '2026-11-23',
        hour: 9,
        arrivals: 4,
        served: 2,
        no_shows: 1,
        priority: 0,
        mean_service_seconds: 450,
        mean_wait_seconds: 800,
      },
    ]);
  });
});

describe('bookings ahead', () => {
  it('lists slots, books, refuses a full slot, sends the confirmation and the reminder through the outbox', async () => {
    h.clock.set('2026-11-23T08:00:00+07:00');
    const slots = (await h.app.inject({ method: 'GET', url: `/public/queue/groups/${groupA}/slots?day=2026-11-24` })).json();
    // 07:30–11:30 and 13:00–17:00 in 30-minute slots: 16, each for 2.
    expect(slots.slots.length).toBe(16);
    expect(slots.slots[0]).toEqual({ start: '2026-11-24T00:30:00.000Z', capacity: 2, left: 2 });
    expect(slots.slots[8].start).toBe('2026-11-24T06:00:00.000Z');
    // A Sunday has none; a group without booking neither.
    expect((await h.app.inject({ method: 'GET', url: `/public/queue/groups/${groupA}/slots?day=2026-11-29` })).json().slots).toEqual([]);
    expect((await h.app.inject({ method: 'GET', url: `/public/queue/groups/${groupB}/slots?day=2026-11-24` })).json().slots).toEqual([]);

    const book = (over: Record<string, unknown> = {}) =>
      post('/public/queue/bookings', null, {
        groupId: groupA,
        slotStart: '2026-11-24T01:00:00.000Z',
        name: 'Lê Thị Cúc',
        phone: '0987654321',
        ...over,
      });
    const b1 = await book();
    expect(b1.statusCode, b1.body).toBe(201);
    expect(b1.json()).toMatchObject({
      status: 'booked',
      slotStart: '2026-11-24T01:00:00.000Z',
      name: 'L* T** C**',
      phone: '*******321',
      pointNameVi: 'Trung tâm PVHCC tỉnh',
    });
    expect(b1.json().code).toMatch(/^[A-HJ-NP-Z2-9]{8}$/);
    expect((await book({ phone: '0911111111' })).statusCode).toBe(201);
    const before = await countRows('queue_bookings');
    const full = await book({ phone: '0922222222' });
    expect([full.statusCode, full.json().code, full.json().field]).toEqual([409, 'SLOT_FULL', 'body.slotStart']);
    for (const [over, field] of [
      [{ slotStart: '2026-11-24T01:10:00.000Z' }, 'body.slotStart'],
      [{ phone: '12345' }, 'body.phone'],
      [{ slotStart: 'tomorrow' }, 'body.slotStart'],
      [{ slotStart: '2026-11-23T00:30:00.000Z' }, 'body.slotStart'],
      [{ groupId: groupB }, 'body.groupId'],
    ] as const) {
      const r = await book(over);
      expect([r.statusCode, r.json().field]).toEqual([400, field]);
    }
    expect(await countRows('queue_bookings')).toBe(before);

    const code = b1.json().code as string;
    const messages = await h.services.notifications.about(`booking:${code}`);
    expect(messages.map((m) => [m.kind, m.recipient, m.due_at.toISOString(), m.sent_at])).toEqual([
      ['booking.confirmed', '0987654321', '2026-11-23T01:00:00.000Z', null],
      ['booking.reminder', '0987654321', '2026-11-24T00:00:00.000Z', null],
    ]);
    expect(messages[1]!.body).toContain('Trung tam PVHCC tinh');

    // The dispatcher sends what is due now through the adapter; the reminder waits for its time.
    const sent: [string, string][] = [];
    const dispatcher = new NotificationService({
      db: h.database.db,
      clock: () => h.clock.now,
      auditKey: h.auditKey,
      sender: { name: 'capture', send: async (to, body) => void sent.push([to, body]) },
    });
    const r1 = await dispatcher.dispatch();
    expect(r1.failed).toBe(0);
    expect(sent.filter(([to]) => to === '0987654321').map(([, body]) => body.startsWith('Motcua: Da dat lich 08:00 24/11/2026'))).toEqual([
      true,
    ]);
    // A failing gateway keeps the message for a later run.
    const failing = new NotificationService({
      db: h.database.db,
      clock: () => h.clock.now,
      auditKey: h.auditKey,
      sender: {
        name: 'down',
        send: async () => {
          throw new Error('gateway down');
        },
      },
    });
    h.clock.set('2026-11-24T07:05:00+07:00');
    expect(await failing.dispatch()).toEqual({ sent: 0, failed: 2 });
    expect(await dispatcher.dispatch()).toEqual({ sent: 2, failed: 0 });
    expect(sent.filter(([to]) => to === '0987654321').length).toBe(2);
    // Each send and each failure is audited, naming the message and never the phone number.
    const audited = await h.database.db
      .selectFrom('audit_log')
      .select(['action', 'payload'])
      .where('entity_type', '=', 'notification')
      .execute();
    expect(audited.filter((a) => a.action === 'notification.failed').length).toBe(2);
    expect(audited.filter((a) => a.action === 'notification.sent').length).toBe(sent.length);
    expect(audited.some((a) => a.payload.includes('0987654321'))).toBe(false);

    // Only the phone's owner sees and cancels it.
    expect((await h.app.inject({ method: 'GET', url: `/public/queue/bookings/${code}?phone=0000` })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: `/public/queue/bookings/${code}?phone=4321` })).json().status).toBe('booked');
  });

  it('checks a booking in ahead of earlier walk-ins, and cancels another with its reminder', async () => {
    h.clock.set('2026-11-24T07:50:00+07:00');
    await clearQueue();
    const walkIn = await kioskTicket(groupA);
    const b = (
      await post('/public/queue/bookings', null, {
        groupId: groupA,
        slotStart: '2026-11-24T01:30:00.000Z',
        name: 'Phạm Văn Dũng',
        phone: '0933333333',
      })
    ).json();
    const other = (
      await post('/public/queue/bookings', null, {
        groupId: groupA,
        slotStart: '2026-11-24T03:00:00.000Z',
        name: 'Hoàng Văn Em',
        phone: '0944444444',
      })
    ).json();
    const wrongPoint = await post(`/public/queue/points/${branch}/check-in`, null, { code: b.code });
    expect([wrongPoint.statusCode, wrongPoint.json().code]).toEqual([422, 'WRONG_SERVICE_POINT']);
    h.clock.set('2026-11-24T08:25:00+07:00');
    const t = await post(`/public/queue/points/${center}/check-in`, null, { code: b.code.toLowerCase() });
    expect(t.statusCode, t.body).toBe(201);
    expect([t.json().channel, t.json().label, t.json().ahead]).toEqual(['booking', 'A002', 0]);
    const twice = await post(`/public/queue/points/${center}/check-in`, null, { code: b.code });
    expect([twice.statusCode, twice.json().code]).toEqual([409, 'INVALID_TRANSITION']);
    const clerk = await h.token('clerk.center');
    h.clock.set('2026-11-24T08:31:00+07:00');
    expect((await post(`/queue/counters/${counter1}/call-next`, clerk)).json().ticket.id).toBe(t.json().id);
    await post(`/queue/tickets/${t.json().id}/finish`, clerk);
    expect((await post(`/queue/counters/${counter1}/call-next`, clerk)).json().ticket.id).toBe(walkIn.id);
    await post(`/queue/tickets/${walkIn.id}/finish`, clerk);

    const cancelled = await post(`/public/queue/bookings/${other.code}/cancel`, null, { phone: '4444' });
    expect([cancelled.statusCode, cancelled.json().status]).toEqual([200, 'cancelled']);
    const reminder = (await h.services.notifications.about(`booking:${other.code}`)).find((m) => m.kind === 'booking.reminder')!;
    expect(reminder.cancelled_at?.toISOString()).toBe(h.clock.now.toISOString());
    const again = await post(`/public/queue/bookings/${other.code}/cancel`, null, { phone: '4444' });
    expect([again.statusCode, again.json().code]).toEqual([409, 'INVALID_TRANSITION']);
  });

  it('budgets wrong booking look-ups per code and per address, in the budget tracking shares', async () => {
    h.clock.set('2026-11-25T08:00:00+07:00');
    const b = (
      await post('/public/queue/bookings', null, {
        groupId: groupA,
        slotStart: '2026-11-26T01:00:00.000Z',
        name: 'Trần Văn Phúc',
        phone: '0955555555',
      })
    ).json();
    const view = (code: string, phone: string, remoteAddress: string) =>
      h.app.inject({ method: 'GET', url: `/public/queue/bookings/${code}?phone=${phone}`, remoteAddress });
    const cancel = (code: string, phone: string, remoteAddress: string) =>
      h.app.inject({ method: 'POST', url: `/public/queue/bookings/${code}/cancel`, remoteAddress, payload: { phone } });
    // 5 wrong digits from 5 addresses (viewing and cancelling alike) lock the code: the right digits then get 429.
    for (let i = 0; i < 5; i++) {
      const r = i % 2 ? await cancel(b.code, `100${i}`, `192.0.2.${10 + i}`) : await view(b.code, `100${i}`, `192.0.2.${10 + i}`);
      expect(r.statusCode).toBe(404);
    }
    const locked = await view(b.code.toLowerCase(), '5555', '192.0.2.20');
    expect([locked.statusCode, locked.json().code, locked.headers['retry-after']]).toEqual([429, 'RATE_LIMITED', '900']);
    expect((await cancel(b.code, '5555', '192.0.2.21')).statusCode).toBe(429);
    // An unknown code and wrong digits of a real one answer alike.
    const unknown = await view('ZZZZZZZZ', '5555', '192.0.2.22');
    expect([unknown.statusCode, unknown.json().detail]).toEqual([404, 'Booking ZZZZZZZZ not found']);
    h.clock.set('2026-11-25T08:15:00+07:00');
    expect((await view(b.code, '5555', '192.0.2.20')).json().status).toBe('booked');
    // One address: wrong tracking look-ups and wrong booking look-ups share its 30 failures.
    const from = '192.0.2.99';
    for (let i = 0; i < 20; i++)
      expect(
        (await h.app.inject({ method: 'GET', url: `/public/dossiers/000.00.01.H40-261125-${1000 + i}?phone=0000`, remoteAddress: from }))
          .statusCode,
      ).toBe(404);
    for (let i = 0; i < 10; i++) expect((await view(`AAAAAA${'23456789ABCDEFGH'[i]}2`, '0000', from)).statusCode).toBe(404);
    const refused = await view(b.code, '5555', from);
    expect([refused.statusCode, refused.headers['retry-after']]).toEqual([429, '900']);
    // A ticket's phone page from that address too (its token is not guessable, but the address is locked).
    expect((await h.app.inject({ method: 'GET', url: '/public/queue/tickets/AAAAAAAAAAAAAAAA', remoteAddress: from })).statusCode).toBe(
      429,
    );
  });

  it('counts an unknown ticket token against the address', async () => {
    const from = '192.0.2.77';
    expect((await h.app.inject({ method: 'GET', url: '/public/queue/tickets/BBBBBBBBBBBBBBBB', remoteAddress: from })).statusCode).toBe(
      404,
    );
    const row = await h.database.db.selectFrom('lookup_budgets').selectAll().where('key', '=', `addr:${from}`).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ failures: 1, max_failures: 30 });
  });
});

describe('the display board', () => {
  it('streams the board, then each call as a server-sent event', async () => {
    await clearQueue();
    const address = await h.app.listen({ host: '127.0.0.1', port: 0 });
    const events: { event: string; data: Record<string, unknown> }[] = [];
    let buffer = '';
    const req = http.get(`${address}/public/queue/points/${center}/events`);
    const response = await new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
    expect([response.statusCode, response.headers['content-type']]).toEqual([200, 'text/event-stream; charset=utf-8']);
    const seen = (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => (events.length >= n ? resolve() : setTimeout(check, 10));
        check();
      });
    response.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let i;
      while ((i = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        const event = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
      }
    });
    await seen(1);
    expect(events[0]!.event).toBe('board');
    const t = await kioskTicket(groupA);
    await seen(2);
    expect(events[1]).toEqual({
      event: 'waiting',
      data: {
        type: 'waiting',
        groups: [
          { id: groupA, code: 'A', waiting: 1 },
          { id: groupB, code: 'B', waiting: 0 },
        ],
      },
    });
    const clerk = await h.token('clerk.center');
    await post(`/queue/counters/${counter1}/call-next`, clerk);
    await seen(3);
    const call = events.find((e) => e.event === 'call')!;
    expect(call.data).toMatchObject({ type: 'call', ticketId: t.id, label: t.label, counterNumber: 1, callCount: 1, priority: false });
    await post(`/queue/tickets/${t.id}/recall`, clerk);
    await seen(5);
    expect(events.filter((e) => e.event === 'call').map((e) => e.data.callCount)).toEqual([1, 2]);
    const board = (await h.app.inject({ method: 'GET', url: `/public/queue/points/${center}/board` })).json();
    expect(board.calls[0]).toMatchObject({ ticketId: t.id, label: t.label, counterNumber: 1, callCount: 2, status: 'called' });
    // A no-show leaves the board: every board gets the whole board again, without it.
    const before = events.length;
    await post(`/queue/tickets/${t.id}/no-show`, clerk);
    await seen(before + 1);
    const again = events[events.length - 1]!;
    expect(again.event).toBe('board');
    expect((again.data.calls as { ticketId: number }[]).some((c) => c.ticketId === t.id)).toBe(false);
    req.destroy();
  });

  it('audits every queue write in an unbroken chain', async () => {
    const rows = await h.database.db.selectFrom('audit_log').select(['action']).where('action', 'like', 'queue.%').execute();
    const actions = new Set(rows.map((r) => r.action));
    for (const a of [
      'queue.group.create',
      'queue.counter.create',
      'queue.counter.open',
      'queue.ticket.issue',
      'queue.ticket.call',
      'queue.ticket.recall',
      'queue.ticket.start',
      'queue.ticket.finish',
      'queue.ticket.no_show',
      'queue.ticket.transfer',
      'queue.booking.create',
      'queue.booking.cancel',
      'queue.booking.check_in',
      'queue.clerk_groups.set',
    ]) {
      expect([a, actions.has(a)]).toEqual([a, true]);
    }
    expect((await verifyAudit(h.database.db, h.auditKey)).ok).toBe(true);
  });
});

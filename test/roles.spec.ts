import { describe, it, expect, beforeAll } from 'vitest';
import { createHarness, applicant, type Harness } from './harness.js';
import { TEST_CATALOG } from './fixtures.js';
import { TRANSITIONS, type DossierAction } from '../src/dossiers/dossier.model.js';
import { samplePdf } from '../src/demo/demo.model.js';
import type { StaffRole } from '../src/platform/db.types.js';

// Every staff account of the harness, with its role.
const USERS: Record<string, StaffRole> = {
  admin: 'admin',
  'clerk.center': 'clerk',
  'clerk.branch': 'clerk',
  'clerk.mot': 'clerk',
  'clerk.hai': 'clerk',
  'clerk.ba': 'clerk',
  'manager.center': 'manager',
  'spec.mot': 'specialist',
  'appr.mot': 'approver',
  'spec.hai': 'specialist',
  'appr.hai': 'approver',
  'spec.stp': 'specialist',
  'appr.stp': 'approver',
  'spec.ca': 'specialist',
};
const ALL = Object.keys(USERS);

let h: Harness;
let file = '';
const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const as = async (user: string) => auth(await h.token(user));

async function state(code: string) {
  const d = await h.database.db
    .selectFrom('dossiers')
    .select(['id', 'status', 'portal_status', 'version', 'current_unit_id'])
    .where('code', '=', code)
    .executeTakeFirstOrThrow();
  const events = await h.database.db
    .selectFrom('dossier_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('dossier_id', '=', d.id)
    .executeTakeFirstOrThrow();
  return {
    status: d.status,
    portalStatus: d.portal_status,
    version: d.version,
    currentUnitId: d.current_unit_id,
    events: Number(events.n),
  };
}

async function count(table: 'dossiers' | 'staff' | 'procedure_versions' | 'audit_log'): Promise<number> {
  const r = await h.database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** POST an action and insist on 200, returning the dossier. */
async function act(user: string, code: string, path: string, body: Record<string, unknown>) {
  const r = await h.app.inject({ method: 'POST', url: `/dossiers/${code}/${path}`, headers: await as(user), payload: body });
  expect(r.statusCode, `${user} ${path}: ${r.body}`).toBe(200);
  return r.json() as { code: string; version: number; status: string };
}

/** 1.001193 (non-territorial) received at branch A for a citizen of Xã Hai, result returned at Xã Hai's center. */
async function receivedAtBranch() {
  const r = await h.app.inject({
    method: 'POST',
    url: '/dossiers',
    headers: await as('clerk.branch'),
    payload: {
      procedureCode: '1.001193',
      applicant: applicant('14002'),
      components: [{ code: 'TK', source: 'upload', fileSha256: file }],
      returnPointId: h.unit('X-HAI-TT'),
    },
  });
  expect(r.statusCode, r.body).toBe(201);
  return r.json() as { code: string; version: number };
}

/** The same dossier forwarded to Xã Hai's People's Committee, at its first step (a specialist's). */
async function processingAtHai() {
  const d = await receivedAtBranch();
  return act('clerk.branch', d.code, 'forward', { version: d.version });
}

/** 2.000488 received at the provincial center, processed by the Department of Justice, now at the police (an inter-agency step). */
async function processingAtPolice() {
  const r = await h.app.inject({
    method: 'POST',
    url: '/dossiers',
    headers: await as('clerk.center'),
    payload: {
      procedureCode: '2.000488',
      applicant: applicant('14001'),
      components: [
        { code: 'TK', source: 'upload', fileSha256: file },
        { code: 'CCCD', source: 'population_db' },
      ],
    },
  });
  expect(r.statusCode, r.body).toBe(201);
  const f = await act('clerk.center', r.json().code, 'forward', { version: r.json().version });
  return act('spec.stp', f.code, 'forward', { version: f.version });
}

interface Row {
  label: string;
  action: DossierAction;
  path: string;
  dossier: () => { code: string; version: number };
  /** Accounts the code lets through (checked with a wrong version, so nothing changes). */
  allowed: string[];
  /** Right role, but the dossier is not at their unit for this action: 403 OUT_OF_SCOPE. */
  outOfScope: string[];
  /** Can see the dossier but their role may not take the action: 403 FORBIDDEN. */
  forbidden: string[];
  /** In FORBIDDEN although their role is in TRANSITIONS: the current step is worked by another role. */
  wrongStepRole?: string[];
  body?: (v: number) => Record<string, unknown>;
}

const d: Record<string, { code: string; version: number }> = {};

beforeAll(async () => {
  h = await createHarness('2025-03-14T10:00:00+07:00');
  file = await h.upload(await h.token('clerk.center'), 'scan');
  const pub = await h.app.inject({
    method: 'POST',
    url: '/public/files',
    headers: { 'content-type': 'application/octet-stream' },
    payload: samplePdf('online'),
  });
  const online = await h.app.inject({
    method: 'POST',
    url: '/public/dossiers',
    payload: {
      procedureCode: '1.001193',
      applicant: applicant('14003'),
      components: [{ code: 'TK', source: 'upload', fileSha256: pub.json().sha256 }],
      returnPointId: h.unit('X-HAI-TT'),
    },
  });
  expect(online.statusCode, online.body).toBe(201);
  d.submitted = online.json();
  d.received = await receivedAtBranch();
  d.atHai = await processingAtHai();
  d.atPolice = await processingAtPolice();
  const s = await processingAtPolice();
  d.supplement = await act('spec.ca', s.code, 'request-supplement', { version: s.version, note: 'Bổ sung tờ khai' });
  const p = await processingAtPolice();
  d.payment = await act('spec.ca', p.code, 'request-payment', { version: p.version });
  const last = await processingAtPolice();
  d.lastStep = await act('spec.ca', last.code, 'forward', { version: last.version });
  expect(d.lastStep).toMatchObject({ currentUnit: { id: h.unit('STP') }, currentStep: 3 });
  const ready = await processingAtHai();
  const approve = await act('spec.hai', ready.code, 'forward', { version: ready.version });
  d.ready = await act('appr.hai', ready.code, 'result', { version: approve.version, resultFileSha256: file });
  expect(d.ready).toMatchObject({ status: 'result_ready' });
});

describe('every role against every dossier action it must not take', () => {
  const withNote = (v: number) => ({ version: v, note: 'Lý do' });
  const rows: Row[] = [
    // An online submission for Xã Ba, to be received at Xã Ba's center, returned at Xã Hai's.
    {
      label: 'receive an online submission',
      action: 'receive',
      path: 'receive',
      dossier: () => d.submitted!,
      allowed: ['clerk.ba'],
      outOfScope: ['clerk.hai'],
      forbidden: ['admin'],
    },
    {
      label: 'refuse at receipt',
      action: 'refuse',
      path: 'refuse',
      dossier: () => d.received!,
      allowed: ['clerk.branch'],
      outOfScope: ['clerk.hai'],
      forbidden: ['admin', 'manager.center'],
      body: withNote,
    },
    {
      label: 'forward from the receiving point',
      action: 'forward',
      path: 'forward',
      dossier: () => d.received!,
      allowed: ['clerk.branch'],
      outOfScope: ['clerk.hai'],
      forbidden: ['admin', 'manager.center'],
    },
    {
      label: 'forward a step worked by a specialist',
      action: 'forward',
      path: 'forward',
      dossier: () => d.atHai!,
      allowed: ['spec.hai'],
      outOfScope: ['clerk.branch', 'clerk.hai'],
      forbidden: ['admin', 'manager.center', 'appr.hai'],
      wrongStepRole: ['appr.hai'],
    },
    {
      label: 'forward from another agency’s step',
      action: 'forward',
      path: 'forward',
      dossier: () => d.atPolice!,
      allowed: ['spec.ca'],
      outOfScope: ['clerk.center', 'spec.stp', 'appr.stp'],
      forbidden: ['admin', 'manager.center'],
    },
    {
      label: 'request a supplement',
      action: 'request_supplement',
      path: 'request-supplement',
      dossier: () => d.atPolice!,
      allowed: ['spec.ca'],
      outOfScope: ['spec.stp', 'appr.stp'],
      forbidden: ['admin', 'manager.center', 'clerk.center'],
      body: withNote,
    },
    {
      label: 'record a supplement',
      action: 'supplement_received',
      path: 'supplement-received',
      dossier: () => d.supplement!,
      allowed: ['clerk.center', 'spec.ca'],
      outOfScope: ['spec.stp'],
      forbidden: ['admin', 'manager.center', 'appr.stp'],
    },
    {
      label: 'request payment',
      action: 'request_payment',
      path: 'request-payment',
      dossier: () => d.atPolice!,
      allowed: ['spec.ca'],
      outOfScope: ['spec.stp', 'appr.stp'],
      forbidden: ['admin', 'manager.center', 'clerk.center'],
    },
    {
      label: 'record a payment',
      action: 'payment_received',
      path: 'payment-received',
      dossier: () => d.payment!,
      allowed: ['clerk.center', 'spec.ca'],
      outOfScope: ['spec.stp'],
      forbidden: ['admin', 'manager.center', 'appr.stp'],
    },
    {
      label: 'withdraw',
      action: 'withdraw',
      path: 'withdraw',
      dossier: () => d.received!,
      allowed: ['clerk.branch', 'clerk.hai'],
      outOfScope: [],
      forbidden: ['admin', 'manager.center'],
      body: withNote,
    },
    {
      label: 'withdraw during processing',
      action: 'withdraw',
      path: 'withdraw',
      dossier: () => d.atPolice!,
      allowed: ['clerk.center'],
      outOfScope: [],
      forbidden: ['admin', 'manager.center', 'spec.stp', 'appr.stp', 'spec.ca'],
      body: withNote,
    },
    // No approver sits at the police: nobody in the harness may stop processing there.
    {
      label: 'stop processing',
      action: 'stop',
      path: 'stop',
      dossier: () => d.atPolice!,
      allowed: [],
      outOfScope: ['appr.stp'],
      forbidden: ['admin', 'manager.center', 'clerk.center', 'spec.stp', 'spec.ca'],
      body: withNote,
    },
    // Back at the department for its last step, an approval: only its approver decides.
    {
      label: 'issue the result',
      action: 'result',
      path: 'result',
      dossier: () => d.lastStep!,
      allowed: ['appr.stp'],
      outOfScope: ['spec.ca'],
      forbidden: ['admin', 'manager.center', 'clerk.center', 'spec.stp'],
      wrongStepRole: ['spec.stp'],
      body: (v) => ({ version: v, resultFileSha256: file }),
    },
    {
      label: 'return the result',
      action: 'return',
      path: 'return',
      dossier: () => d.ready!,
      allowed: ['clerk.hai'],
      outOfScope: ['clerk.branch'],
      forbidden: ['admin', 'manager.center', 'spec.hai', 'appr.hai'],
    },
    {
      label: 'apologize with a new date',
      action: 'apologize',
      path: 'apologize',
      dossier: () => d.atPolice!,
      allowed: ['spec.ca'],
      outOfScope: ['spec.stp', 'appr.stp'],
      forbidden: ['admin', 'manager.center', 'clerk.center'],
      body: (v) => ({ version: v, note: 'Chờ xác minh', newDueAt: '2025-04-30T17:00:00+07:00' }),
    },
  ];

  it('accounts for every account in every row, consistently with the transition table', () => {
    for (const row of rows) {
      const listed = [...row.allowed, ...row.outOfScope, ...row.forbidden];
      expect(new Set(listed).size, row.label).toBe(listed.length);
      expect(
        listed.every((u) => u in USERS),
        row.label,
      ).toBe(true);
      const roles: readonly StaffRole[] = TRANSITIONS[row.action].roles;
      for (const u of [...row.allowed, ...row.outOfScope]) expect(roles, `${row.label}: ${u}`).toContain(USERS[u]);
      expect(
        row.forbidden.filter((u) => roles.includes(USERS[u]!)),
        row.label,
      ).toEqual(row.wrongStepRole ?? []);
    }
  });

  describe.each(rows)('$label', (row) => {
    const expected = (user: string): [number, string] =>
      row.outOfScope.includes(user) ? [403, 'OUT_OF_SCOPE'] : row.forbidden.includes(user) ? [403, 'FORBIDDEN'] : [404, 'NOT_FOUND'];

    it.each(ALL.filter((u) => !row.allowed.includes(u)).map((u) => [u, ...expected(u)] as const))(
      'refuses %s with %i %s and changes nothing',
      async (user, status, errorCode) => {
        const { code, version } = row.dossier();
        const before = await state(code);
        expect(before.version).toBe(version);
        const r = await h.app.inject({
          method: 'POST',
          url: `/dossiers/${code}/${row.path}`,
          headers: await as(user),
          payload: (row.body ?? ((v: number) => ({ version: v })))(version),
        });
        expect(r.statusCode, r.body).toBe(status);
        expect(r.headers['content-type']).toContain('application/problem+json');
        expect(r.json().code).toBe(errorCode);
        expect(await state(code)).toEqual(before);
      },
    );

    it.each(row.allowed)('lets %s past every check but the version: 409 STALE_VERSION, nothing changed', async (user) => {
      const { code, version } = row.dossier();
      const before = await state(code);
      const r = await h.app.inject({
        method: 'POST',
        url: `/dossiers/${code}/${row.path}`,
        headers: await as(user),
        payload: (row.body ?? ((v: number) => ({ version: v })))(version + 1),
      });
      expect(r.statusCode, r.body).toBe(409);
      expect(r.json()).toMatchObject({ code: 'STALE_VERSION', details: { currentVersion: version } });
      expect(await state(code)).toEqual(before);
    });

    it('refuses a request without a token with 401', async () => {
      const { code, version } = row.dossier();
      const r = await h.app.inject({
        method: 'POST',
        url: `/dossiers/${code}/${row.path}`,
        payload: (row.body ?? ((v: number) => ({ version: v })))(version),
      });
      expect(r.statusCode).toBe(401);
      expect(r.json().code).toBe('UNAUTHENTICATED');
    });
  });

  describe('digitizing a component (PUT /dossiers/:code/components/:componentCode)', () => {
    // Only clerks digitize, so other roles are refused before the dossier is looked up.
    const cases: [string, number, string][] = ALL.filter((u) => u !== 'clerk.branch').map((u) =>
      USERS[u] !== 'clerk' ? [u, 403, 'FORBIDDEN'] : u === 'clerk.hai' ? [u, 403, 'OUT_OF_SCOPE'] : [u, 404, 'NOT_FOUND'],
    );
    it.each(cases)('refuses %s with %i %s and changes nothing', async (user, status, errorCode) => {
      const { code, version } = d.received!;
      const before = await state(code);
      const r = await h.app.inject({
        method: 'PUT',
        url: `/dossiers/${code}/components/TK`,
        headers: await as(user),
        payload: { version, fileSha256: file },
      });
      expect(r.statusCode, r.body).toBe(status);
      expect(r.json().code).toBe(errorCode);
      expect(await state(code)).toEqual(before);
    });
  });

  describe('reading a dossier (GET /dossiers/:code) is scoped to the units it passed through', () => {
    const visible = ['admin', 'manager.center', 'clerk.branch', 'clerk.hai'];
    it.each(ALL.filter((u) => !visible.includes(u)))('answers 404 to %s, as for a code that does not exist', async (user) => {
      const r = await h.app.inject({ method: 'GET', url: `/dossiers/${d.received!.code}`, headers: await as(user) });
      expect(r.statusCode).toBe(404);
      expect(r.json()).toMatchObject({ code: 'NOT_FOUND', field: 'params.code' });
      const unknownCode = '000.01.01.H40-250314-0999';
      const unknown = await h.app.inject({ method: 'GET', url: `/dossiers/${unknownCode}`, headers: await as(user) });
      const same = (j: { detail: string; instance?: string }, code: string) => ({
        ...j,
        instance: undefined,
        detail: j.detail.replace(code, '<code>'),
      });
      expect(same(r.json(), d.received!.code)).toEqual(same(unknown.json(), unknownCode));
    });
    it.each(visible)('shows it to %s', async (user) => {
      const r = await h.app.inject({ method: 'GET', url: `/dossiers/${d.received!.code}`, headers: await as(user) });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({ code: d.received!.code, status: 'received' });
    });
  });
});

describe('every role against the other staff actions it must not take', () => {
  it.each(ALL.filter((u) => USERS[u] !== 'clerk'))('does not let %s receive a dossier at the counter', async (user) => {
    const before = await count('dossiers');
    const r = await h.app.inject({
      method: 'POST',
      url: '/dossiers',
      headers: await as(user),
      payload: {
        procedureCode: '1.001193',
        applicant: applicant('14002'),
        components: [{ code: 'TK', source: 'upload', fileSha256: file }],
      },
    });
    expect(r.statusCode).toBe(403);
    expect(r.json().code).toBe('FORBIDDEN');
    expect(await count('dossiers')).toBe(before);
  });

  it.each(ALL.filter((u) => u !== 'admin'))('does not let %s import the catalog', async (user) => {
    const versions = await count('procedure_versions');
    const audit = await count('audit_log');
    const r = await h.app.inject({ method: 'POST', url: '/catalog/import', headers: await as(user), payload: TEST_CATALOG });
    expect(r.statusCode).toBe(403);
    expect(r.json().code).toBe('FORBIDDEN');
    expect(await count('procedure_versions')).toBe(versions);
    expect(await count('audit_log')).toBe(audit);
  });

  it.each(ALL.filter((u) => u !== 'admin'))('does not let %s create a staff account', async (user) => {
    const before = await count('staff');
    const r = await h.app.inject({
      method: 'POST',
      url: '/staff',
      headers: await as(user),
      payload: { username: `x.${user}`, password: 'a-long-password', fullName: 'Người mới', role: 'clerk', unitId: h.unit('TTPVHCC') },
    });
    expect(r.statusCode).toBe(403);
    expect(r.json().code).toBe('FORBIDDEN');
    expect(await count('staff')).toBe(before);
  });

  it.each(ALL.filter((u) => !['admin', 'manager.center'].includes(u)))('does not let %s list staff accounts', async (user) => {
    const r = await h.app.inject({ method: 'GET', url: '/staff', headers: await as(user) });
    expect(r.statusCode).toBe(403);
    expect(r.json().code).toBe('FORBIDDEN');
  });

  it('shows an administrator every account and a manager only those of the center and its branches', async () => {
    const all = (await h.app.inject({ method: 'GET', url: '/staff', headers: await as('admin') })).json();
    expect(all.map((s: { username: string }) => s.username)).toEqual(ALL);
    const mine = (await h.app.inject({ method: 'GET', url: '/staff', headers: await as('manager.center') })).json();
    expect(mine.map((s: { username: string }) => s.username)).toEqual(['clerk.center', 'clerk.branch', 'manager.center']);
  });

  it.each(['admin', 'manager.center'])('does not let %s read a citizen’s document store', async (user) => {
    const audit = await count('audit_log');
    const r = await h.app.inject({ method: 'GET', url: '/store-documents?idNumber=037095001234', headers: await as(user) });
    expect(r.statusCode).toBe(403);
    expect(r.json().code).toBe('FORBIDDEN');
    expect(await count('audit_log')).toBe(audit);
  });

  it.each([
    ['POST', '/dossiers'],
    ['POST', '/catalog/import'],
    ['POST', '/staff'],
    ['GET', '/staff'],
    ['GET', '/store-documents?idNumber=037095001234'],
  ] as const)('answers %s %s without a token with 401', async (method, url) => {
    const r = await h.app.inject({ method, url, ...(method === 'POST' ? { payload: {} } : {}) });
    expect(r.statusCode).toBe(401);
    expect(r.json().code).toBe('UNAUTHENTICATED');
  });
});

describe('the allowed ends of a dossier', () => {
  it('withdraws at the applicant’s request, with the request recorded (portal status 7)', async () => {
    const p = await processingAtHai();
    const noNote = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${p.code}/withdraw`,
      headers: await as('clerk.hai'),
      payload: { version: p.version },
    });
    expect(noNote.statusCode).toBe(400);
    expect(noNote.json()).toMatchObject({ code: 'VALIDATION', field: 'body.note' });
    h.clock.set('2025-03-17T09:00:00+07:00');
    const r = await act('clerk.hai', p.code, 'withdraw', { version: p.version, note: 'Công dân xin rút hồ sơ' });
    expect(r).toMatchObject({
      status: 'withdrawn',
      portalStatus: 7,
      decidedAt: '2025-03-17T02:00:00.000Z',
      currentUnit: null,
      version: p.version + 1,
    });
    const ev = (await h.app.inject({ method: 'GET', url: `/dossiers/${p.code}/events`, headers: await as('clerk.branch') })).json();
    expect(ev.at(-1)).toMatchObject({
      action: 'withdraw',
      fromStatus: 'processing',
      toStatus: 'withdrawn',
      note: 'Công dân xin rút hồ sơ',
      actorKind: 'staff',
      unitId: h.unit('X-HAI-TT'),
    });
    const steps = (
      await h.app.inject({ method: 'GET', url: `/dossiers/${p.code}/process-control`, headers: await as('clerk.branch') })
    ).json();
    expect(steps.at(-1)).toMatchObject({
      role: 'process',
      toUnitId: h.unit('X-HAI-UB'),
      completedAt: '2025-03-17T02:00:00.000Z',
      outcome: 'early',
    });
    const after = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${p.code}/forward`,
      headers: await as('spec.hai'),
      payload: { version: r.version },
    });
    expect(after.statusCode).toBe(409);
    expect(after.json().code).toBe('INVALID_TRANSITION');
  });

  it('stops processing with the approver’s reason (portal status 8)', async () => {
    h.clock.set('2025-03-14T10:00:00+07:00');
    const p = await processingAtHai();
    const noReason = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${p.code}/stop`,
      headers: await as('appr.hai'),
      payload: { version: p.version, note: '  ' },
    });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json()).toMatchObject({ code: 'VALIDATION', field: 'body.note' });
    expect((await state(p.code)).status).toBe('processing');
    const r = await act('appr.hai', p.code, 'stop', { version: p.version, note: 'Không thuộc thẩm quyền' });
    expect(r).toMatchObject({ status: 'stopped', portalStatus: 8, currentUnit: null, decidedAt: '2025-03-14T03:00:00.000Z' });
    const ev = await h.database.db
      .selectFrom('dossier_events')
      .select(['action', 'from_status', 'to_status', 'note', 'actor_id'])
      .where('seq', '=', r.version)
      .where('dossier_id', '=', (eb) => eb.selectFrom('dossiers').select('id').where('code', '=', p.code))
      .execute();
    expect(ev).toMatchObject([{ action: 'stop', from_status: 'processing', to_status: 'stopped', note: 'Không thuộc thẩm quyền' }]);
  });

  it('refuses at receipt at the counter and an online submission (portal status 3)', async () => {
    const d = await receivedAtBranch();
    const r = await act('clerk.branch', d.code, 'refuse', { version: d.version, note: 'Hồ sơ không hợp lệ' });
    expect(r).toMatchObject({ status: 'refused', portalStatus: 3, currentUnit: null, decidedAt: '2025-03-14T03:00:00.000Z' });
    const pub = await h.app.inject({
      method: 'POST',
      url: '/public/files',
      headers: { 'content-type': 'application/octet-stream' },
      payload: samplePdf('refused online'),
    });
    const online = await h.app.inject({
      method: 'POST',
      url: '/public/dossiers',
      payload: {
        procedureCode: '1.001193',
        applicant: applicant('14003'),
        components: [{ code: 'TK', source: 'upload', fileSha256: pub.json().sha256 }],
      },
    });
    const o = await act('clerk.ba', online.json().code, 'refuse', { version: online.json().version, note: 'Tờ khai không đọc được' });
    expect(o).toMatchObject({ status: 'refused', portalStatus: 3, receivedAt: null, dueAt: null });
    const again = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${o.code}/receive`,
      headers: await as('clerk.ba'),
      payload: { version: o.version },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('INVALID_TRANSITION');
  });

  it('waits for payment and resumes processing once it is recorded (portal status 6, then 4)', async () => {
    const clerk = await as('clerk.hai');
    const i = await h.app.inject({
      method: 'POST',
      url: '/dossiers',
      headers: clerk,
      payload: {
        procedureCode: '2.000815',
        applicant: applicant('14002'),
        components: [{ code: 'BC', source: 'upload', fileSha256: file }],
      },
    });
    expect(i.json()).toMatchObject({ feeTotalVnd: 2000 });
    const f = await act('clerk.hai', i.json().code, 'forward', { version: i.json().version });
    const clerkCannot = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${f.code}/request-payment`,
      headers: clerk,
      payload: { version: f.version },
    });
    expect(clerkCannot.json().code).toBe('FORBIDDEN');
    const w = await act('spec.hai', f.code, 'request-payment', { version: f.version });
    expect(w).toMatchObject({ status: 'awaiting_payment', portalStatus: 6, paidAt: null, currentUnit: { id: h.unit('X-HAI-UB') } });
    const ev = await h.database.db
      .selectFrom('dossier_events')
      .select(['action', 'data'])
      .where('seq', '=', w.version)
      .where('dossier_id', '=', (eb) => eb.selectFrom('dossiers').select('id').where('code', '=', f.code))
      .executeTakeFirstOrThrow();
    expect(ev.action).toBe('request_payment');
    expect(typeof ev.data === 'string' ? JSON.parse(ev.data) : ev.data).toEqual({ amountVnd: 2000 });
    h.clock.set('2025-03-14T14:00:00+07:00');
    const p = await act('clerk.hai', f.code, 'payment-received', { version: w.version });
    expect(p).toMatchObject({
      status: 'processing',
      portalStatus: 4,
      paidAt: '2025-03-14T07:00:00.000Z',
      currentUnit: { id: h.unit('X-HAI-UB') },
      version: w.version + 1,
    });
    const twice = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${f.code}/payment-received`,
      headers: clerk,
      payload: { version: p.version },
    });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().code).toBe('INVALID_TRANSITION');
  });
});

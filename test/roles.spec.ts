import { describe, it, expect, beforeAll } from 'vitest';
import { createHarness, applicant, newIdNumber, type Harness } from './harness.js';
import { TEST_CATALOG } from './fixtures.js';
import type { Api } from './api.js';
import type { components, paths } from '../web/src/api/schema.js';
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

type Problem = components['schemas']['Problem'];
/** An expected problem, typed against the API document: a misspelled error code does not compile. */
const problem = (p: Partial<Problem>) => p;
type Dossier = paths['/dossiers/{code}']['get']['responses'][200]['content']['application/json'];
/** What a typed call answers, as far as these tests look: the status, and the problem if it failed. */
type Sent = { error?: Problem; response: Response };
/** A dossier action's answer: the dossier, or a problem. */
type Answer = Sent & { data?: Dossier };

/** The dossier actions, by the last segment of their path (POST /dossiers/{code}/<action>), and what each takes. */
type ActionPath =
  | 'receive'
  | 'refuse'
  | 'forward'
  | 'request-supplement'
  | 'supplement-received'
  | 'request-payment'
  | 'payment-received'
  | 'withdraw'
  | 'stop'
  | 'result'
  | 'return'
  | 'apologize';
type ActionBody<P extends ActionPath> = NonNullable<paths[`/dossiers/{code}/${P}`]['post']['requestBody']>['content']['application/json'];

/** Each action sent through the typed client: its path, parameters and body checked against the API document. */
const post: { [P in ActionPath]: (api: Api, code: string, body: ActionBody<P>) => Promise<Answer> } = {
  receive: (api, code, body) => api.POST('/dossiers/{code}/receive', { params: { path: { code } }, body }),
  refuse: (api, code, body) => api.POST('/dossiers/{code}/refuse', { params: { path: { code } }, body }),
  forward: (api, code, body) => api.POST('/dossiers/{code}/forward', { params: { path: { code } }, body }),
  'request-supplement': (api, code, body) => api.POST('/dossiers/{code}/request-supplement', { params: { path: { code } }, body }),
  'supplement-received': (api, code, body) => api.POST('/dossiers/{code}/supplement-received', { params: { path: { code } }, body }),
  'request-payment': (api, code, body) => api.POST('/dossiers/{code}/request-payment', { params: { path: { code } }, body }),
  'payment-received': (api, code, body) => api.POST('/dossiers/{code}/payment-received', { params: { path: { code } }, body }),
  withdraw: (api, code, body) => api.POST('/dossiers/{code}/withdraw', { params: { path: { code } }, body }),
  stop: (api, code, body) => api.POST('/dossiers/{code}/stop', { params: { path: { code } }, body }),
  result: (api, code, body) => api.POST('/dossiers/{code}/result', { params: { path: { code } }, body }),
  return: (api, code, body) => api.POST('/dossiers/{code}/return', { params: { path: { code } }, body }),
  apologize: (api, code, body) => api.POST('/dossiers/{code}/apologize', { params: { path: { code } }, body }),
};

/**
 * The raw bytes of a file for POST /public/files. The API document declares no body for the route (it parses multipart
 * or raw bytes itself), so the typed client cannot type it: the bytes go through as they are.
 */
const octets = (bytes: Uint8Array) => ({
  body: bytes as never,
  bodySerializer: (b: unknown) => b,
  headers: { 'content-type': 'application/octet-stream' },
});

let h: Harness;
let file = '';
let resultFile = '';
const scans = new Map<string, Promise<string>>();
/** A scan uploaded by `user`: a file may be attached only by the unit that uploaded it. */
function scanBy(user: string): Promise<string> {
  let sha = scans.get(user);
  if (!sha) scans.set(user, (sha = h.token(user).then((t) => h.upload(t, 'scan'))));
  return sha;
}

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

const count = (table: 'dossiers' | 'staff' | 'procedure_versions' | 'audit_log') => h.count(table);

/** POST an action and insist on 200, returning the dossier. */
async function act<P extends ActionPath>(user: string, code: string, path: P, body: ActionBody<P>): Promise<Dossier> {
  const r = await post[path](await h.api(user), code, body);
  expect(r.response.status, `${user} ${path}: ${JSON.stringify(r.error)}`).toBe(200);
  return r.data!;
}

/** 1.001193 (non-territorial) received at branch A for a citizen of Xã Hai, result returned at Xã Hai's center. */
async function receivedAtBranch() {
  const clerk = await h.api('clerk.branch');
  const r = await clerk.POST('/dossiers', {
    body: {
      procedureCode: '1.001193',
      applicant: applicant('14002', { idNumber: newIdNumber() }),
      components: [{ code: 'TK', source: 'upload', fileSha256: await scanBy('clerk.branch') }],
      returnPointId: h.unit('X-HAI-TT'),
    },
  });
  expect(r.response.status, JSON.stringify(r.error)).toBe(201);
  return r.data!;
}

/** The same dossier forwarded to Xã Hai's People's Committee, at its first step (a specialist's). */
async function processingAtHai() {
  const d = await receivedAtBranch();
  return act('clerk.branch', d.code, 'forward', { version: d.version });
}

/** 2.000488 received at the provincial center, processed by the Department of Justice, now at the police (an inter-agency step). */
async function processingAtPolice() {
  const clerk = await h.api('clerk.center');
  const r = await clerk.POST('/dossiers', {
    body: {
      procedureCode: '2.000488',
      applicant: applicant('14001', { idNumber: newIdNumber() }),
      components: [
        { code: 'TK', source: 'upload', fileSha256: file },
        { code: 'CCCD', source: 'population_db' },
      ],
    },
  });
  expect(r.response.status, JSON.stringify(r.error)).toBe(201);
  const f = await act('clerk.center', r.data!.code, 'forward', { version: r.data!.version });
  return act('spec.stp', f.code, 'forward', { version: f.version });
}

/**
 * An online submission of 1.001193 for a citizen of Xã Ba, its one component uploaded as a file. The file belongs to
 * the submission: its token (POST /public/submissions) goes with the upload and with the submission itself.
 */
async function submitOnline(title: string, returnPointId?: number) {
  const anon = await h.api();
  const sub = await anon.POST('/public/submissions');
  expect(sub.response.status).toBe(201);
  const header = { 'x-submission-token': sub.data!.submissionToken };
  const pub = await anon.POST('/public/files', { ...octets(samplePdf(title)), params: { header } });
  expect(pub.response.status, JSON.stringify(pub.error)).toBe(201);
  return anon.POST('/public/dossiers', {
    params: { header },
    body: {
      procedureCode: '1.001193',
      applicant: applicant('14003', { idNumber: newIdNumber() }),
      components: [{ code: 'TK', source: 'upload', fileSha256: pub.data!.sha256 }],
      ...(returnPointId === undefined ? {} : { returnPointId }),
    },
  });
}

interface Row {
  label: string;
  action: DossierAction;
  /** Sends the action through the typed client, with the given version. */
  send: (api: Api, code: string, version: number) => Promise<Answer>;
  dossier: () => { code: string; version: number };
  /** Accounts the code lets through (checked with a wrong version, so nothing changes). */
  allowed: string[];
  /** Right role, but the dossier is not at their unit for this action: 403 OUT_OF_SCOPE. */
  outOfScope: string[];
  /** Can see the dossier but their role may not take the action: 403 FORBIDDEN. */
  forbidden: string[];
  /** In FORBIDDEN although their role is in TRANSITIONS: the current step is worked by another role. */
  wrongStepRole?: string[];
}

/** A row's request: the action at `path`, with the body made from the version. */
const send =
  <P extends ActionPath>(path: P, body: (v: number) => ActionBody<P>) =>
  (api: Api, code: string, v: number) =>
    post[path](api, code, body(v));

const d: Record<string, Dossier> = {};

beforeAll(async () => {
  h = await createHarness('2025-03-14T10:00:00+07:00');
  file = await scanBy('clerk.center');
  resultFile = await scanBy('appr.stp');
  const online = await submitOnline('online', h.unit('X-HAI-TT'));
  expect(online.response.status, JSON.stringify(online.error)).toBe(201);
  d.submitted = online.data!;
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
  d.ready = await act('appr.hai', ready.code, 'result', { version: approve.version, resultFileSha256: await scanBy('appr.hai') });
  expect(d.ready).toMatchObject({ status: 'result_ready' });
});

describe('every role against every dossier action it must not take', () => {
  const justVersion = (v: number) => ({ version: v });
  const withNote = (v: number) => ({ version: v, note: 'Lý do' });
  const rows: Row[] = [
    // An online submission for Xã Ba, to be received at Xã Ba's center, returned at Xã Hai's.
    {
      label: 'receive an online submission',
      action: 'receive',
      send: send('receive', justVersion),
      dossier: () => d.submitted!,
      allowed: ['clerk.ba'],
      outOfScope: ['clerk.hai'],
      forbidden: ['admin'],
    },
    {
      label: 'refuse at receipt',
      action: 'refuse',
      send: send('refuse', withNote),
      dossier: () => d.received!,
      allowed: ['clerk.branch'],
      outOfScope: ['clerk.hai'],
      forbidden: ['admin', 'manager.center'],
    },
    {
      label: 'forward from the receiving point',
      action: 'forward',
      send: send('forward', justVersion),
      dossier: () => d.received!,
      allowed: ['clerk.branch'],
      outOfScope: ['clerk.hai'],
      forbidden: ['admin', 'manager.center'],
    },
    {
      label: 'forward a step worked by a specialist',
      action: 'forward',
      send: send('forward', justVersion),
      dossier: () => d.atHai!,
      allowed: ['spec.hai'],
      outOfScope: ['clerk.branch', 'clerk.hai'],
      forbidden: ['admin', 'manager.center', 'appr.hai'],
      wrongStepRole: ['appr.hai'],
    },
    {
      label: 'forward from another agency’s step',
      action: 'forward',
      send: send('forward', justVersion),
      dossier: () => d.atPolice!,
      allowed: ['spec.ca'],
      outOfScope: ['clerk.center', 'spec.stp', 'appr.stp'],
      forbidden: ['admin', 'manager.center'],
    },
    {
      label: 'request a supplement',
      action: 'request_supplement',
      send: send('request-supplement', withNote),
      dossier: () => d.atPolice!,
      allowed: ['spec.ca'],
      outOfScope: ['spec.stp', 'appr.stp'],
      forbidden: ['admin', 'manager.center', 'clerk.center'],
    },
    {
      label: 'record a supplement',
      action: 'supplement_received',
      send: send('supplement-received', justVersion),
      dossier: () => d.supplement!,
      allowed: ['clerk.center', 'spec.ca'],
      outOfScope: ['spec.stp'],
      forbidden: ['admin', 'manager.center', 'appr.stp'],
    },
    {
      label: 'request payment',
      action: 'request_payment',
      send: send('request-payment', justVersion),
      dossier: () => d.atPolice!,
      allowed: ['spec.ca'],
      outOfScope: ['spec.stp', 'appr.stp'],
      forbidden: ['admin', 'manager.center', 'clerk.center'],
    },
    {
      label: 'record a payment',
      action: 'payment_received',
      send: send('payment-received', justVersion),
      dossier: () => d.payment!,
      allowed: ['clerk.center', 'spec.ca'],
      outOfScope: ['spec.stp'],
      forbidden: ['admin', 'manager.center', 'appr.stp'],
    },
    {
      label: 'withdraw',
      action: 'withdraw',
      send: send('withdraw', withNote),
      dossier: () => d.received!,
      allowed: ['clerk.branch', 'clerk.hai'],
      outOfScope: [],
      forbidden: ['admin', 'manager.center'],
    },
    {
      label: 'withdraw during processing',
      action: 'withdraw',
      send: send('withdraw', withNote),
      dossier: () => d.atPolice!,
      allowed: ['clerk.center'],
      outOfScope: [],
      forbidden: ['admin', 'manager.center', 'spec.stp', 'appr.stp', 'spec.ca'],
    },
    // No approver sits at the police: nobody in the harness may stop processing there.
    {
      label: 'stop processing',
      action: 'stop',
      send: send('stop', withNote),
      dossier: () => d.atPolice!,
      allowed: [],
      outOfScope: ['appr.stp'],
      forbidden: ['admin', 'manager.center', 'clerk.center', 'spec.stp', 'spec.ca'],
    },
    // Back at the department for its last step, an approval: only its approver decides.
    {
      label: 'issue the result',
      action: 'result',
      send: send('result', (v) => ({ version: v, resultFileSha256: resultFile })),
      dossier: () => d.lastStep!,
      allowed: ['appr.stp'],
      outOfScope: ['spec.ca'],
      forbidden: ['admin', 'manager.center', 'clerk.center', 'spec.stp'],
      wrongStepRole: ['spec.stp'],
    },
    {
      label: 'return the result',
      action: 'return',
      send: send('return', justVersion),
      dossier: () => d.ready!,
      allowed: ['clerk.hai'],
      outOfScope: ['clerk.branch'],
      forbidden: ['admin', 'manager.center', 'spec.hai', 'appr.hai'],
    },
    {
      label: 'apologize with a new date',
      action: 'apologize',
      send: send('apologize', (v) => ({ version: v, note: 'Chờ xác minh', newDueAt: '2025-04-30T17:00:00+07:00' })),
      dossier: () => d.atPolice!,
      allowed: ['spec.ca'],
      outOfScope: ['spec.stp', 'appr.stp'],
      forbidden: ['admin', 'manager.center', 'clerk.center'],
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
    const expected = (user: string): [number, Problem['code']] =>
      row.outOfScope.includes(user) ? [403, 'OUT_OF_SCOPE'] : row.forbidden.includes(user) ? [403, 'FORBIDDEN'] : [404, 'NOT_FOUND'];

    it.each(ALL.filter((u) => !row.allowed.includes(u)).map((u) => [u, ...expected(u)] as const))(
      'refuses %s with %i %s and changes nothing',
      async (user, status, errorCode) => {
        const { code, version } = row.dossier();
        const before = await state(code);
        expect(before.version).toBe(version);
        const r = await row.send(await h.api(user), code, version);
        expect(r.response.status, JSON.stringify(r.error)).toBe(status);
        expect(r.response.headers.get('content-type')).toContain('application/problem+json');
        expect(r.error?.code).toBe(errorCode);
        expect(await state(code)).toEqual(before);
      },
    );

    it.each(row.allowed)('lets %s past every check but the version: 409 STALE_VERSION, nothing changed', async (user) => {
      const { code, version } = row.dossier();
      const before = await state(code);
      const r = await row.send(await h.api(user), code, version + 1);
      expect(r.response.status, JSON.stringify(r.error)).toBe(409);
      expect(r.error).toMatchObject(problem({ code: 'STALE_VERSION', details: { currentVersion: version } }));
      expect(await state(code)).toEqual(before);
    });

    it('refuses a request without a token with 401', async () => {
      const { code, version } = row.dossier();
      const r = await row.send(await h.api(), code, version);
      expect(r.response.status).toBe(401);
      expect(r.error).toMatchObject(problem({ code: 'UNAUTHENTICATED' }));
    });
  });

  describe('digitizing a component (PUT /dossiers/:code/components/:componentCode)', () => {
    // Only clerks digitize, so other roles are refused before the dossier is looked up.
    const cases: [string, number, Problem['code']][] = ALL.filter((u) => u !== 'clerk.branch').map((u) =>
      USERS[u] !== 'clerk' ? [u, 403, 'FORBIDDEN'] : u === 'clerk.hai' ? [u, 403, 'OUT_OF_SCOPE'] : [u, 404, 'NOT_FOUND'],
    );
    it.each(cases)('refuses %s with %i %s and changes nothing', async (user, status, errorCode) => {
      const { code, version } = d.received!;
      const before = await state(code);
      const api = await h.api(user);
      const r = await api.PUT('/dossiers/{code}/components/{componentCode}', {
        params: { path: { code, componentCode: 'TK' } },
        body: { version, fileSha256: file },
      });
      expect(r.response.status, JSON.stringify(r.error)).toBe(status);
      expect(r.error?.code).toBe(errorCode);
      expect(await state(code)).toEqual(before);
    });
  });

  describe('reading a dossier (GET /dossiers/:code) is scoped to the units it passed through', () => {
    const visible = ['admin', 'manager.center', 'clerk.branch', 'clerk.hai'];
    const read = async (user: string, code: string) => (await h.api(user)).GET('/dossiers/{code}', { params: { path: { code } } });
    it.each(ALL.filter((u) => !visible.includes(u)))('answers 404 to %s, as for a code that does not exist', async (user) => {
      const r = await read(user, d.received!.code);
      expect(r.response.status).toBe(404);
      expect(r.error).toMatchObject(problem({ code: 'NOT_FOUND', field: 'params.code' }));
      const unknownCode = '000.01.01.H40-250314-0999';
      const unknown = await read(user, unknownCode);
      const same = (j: { detail: string; instance?: string } | undefined, code: string) => ({
        ...j,
        instance: undefined,
        detail: j?.detail.replace(code, '<code>'),
      });
      expect(same(r.error, d.received!.code)).toEqual(same(unknown.error, unknownCode));
    });
    it.each(visible)('shows it to %s', async (user) => {
      const r = await read(user, d.received!.code);
      expect(r.response.status).toBe(200);
      expect(r.data).toMatchObject({ code: d.received!.code, status: 'received' });
    });
  });
});

describe('every role against the other staff actions it must not take', () => {
  it.each(ALL.filter((u) => USERS[u] !== 'clerk'))('does not let %s receive a dossier at the counter', async (user) => {
    const before = await count('dossiers');
    const api = await h.api(user);
    const r = await api.POST('/dossiers', {
      body: {
        procedureCode: '1.001193',
        applicant: applicant('14002', { idNumber: newIdNumber() }),
        components: [{ code: 'TK', source: 'upload', fileSha256: file }],
      },
    });
    expect(r.response.status).toBe(403);
    expect(r.error).toMatchObject(problem({ code: 'FORBIDDEN' }));
    expect(await count('dossiers')).toBe(before);
  });

  it.each(ALL.filter((u) => u !== 'admin'))('does not let %s import the catalog', async (user) => {
    const versions = await count('procedure_versions');
    const audit = await count('audit_log');
    const r = await (await h.api(user)).POST('/catalog/import', { body: TEST_CATALOG });
    expect(r.response.status).toBe(403);
    expect(r.error).toMatchObject(problem({ code: 'FORBIDDEN' }));
    expect(await count('procedure_versions')).toBe(versions);
    expect(await count('audit_log')).toBe(audit);
  });

  it.each(ALL.filter((u) => u !== 'admin'))('does not let %s create a staff account', async (user) => {
    const before = await count('staff');
    const api = await h.api(user);
    const r = await api.POST('/staff', {
      body: { username: `x.${user}`, password: 'a-long-password', fullName: 'Người mới', role: 'clerk', unitId: h.unit('TTPVHCC') },
    });
    expect(r.response.status).toBe(403);
    expect(r.error).toMatchObject(problem({ code: 'FORBIDDEN' }));
    expect(await count('staff')).toBe(before);
  });

  it.each(ALL.filter((u) => !['admin', 'manager.center'].includes(u)))('does not let %s list staff accounts', async (user) => {
    const r = await (await h.api(user)).GET('/staff');
    expect(r.response.status).toBe(403);
    expect(r.error).toMatchObject(problem({ code: 'FORBIDDEN' }));
  });

  it('shows an administrator every account and a manager only those of the center and its branches', async () => {
    const all = (await (await h.api('admin')).GET('/staff')).data;
    expect(all?.map((s) => s.username)).toEqual(ALL);
    const mine = (await (await h.api('manager.center')).GET('/staff')).data;
    expect(mine?.map((s) => s.username)).toEqual(['clerk.center', 'clerk.branch', 'manager.center']);
  });

  it.each(['admin', 'manager.center'])('does not let %s read a citizen’s document store', async (user) => {
    const audit = await count('audit_log');
    const r = await (await h.api(user)).GET('/store-documents', { params: { query: { dossierCode: d.received!.code } } });
    expect(r.response.status).toBe(403);
    expect(r.error).toMatchObject(problem({ code: 'FORBIDDEN' }));
    expect(await count('audit_log')).toBe(audit);
  });

  // Without a token, the request is refused before its body is read: the POSTs send an empty one.
  it.each<[string, string, (api: Api) => Promise<Sent>]>([
    // @ts-expect-error -- an empty body, deliberately
    ['POST', '/dossiers', (api) => api.POST('/dossiers', { body: {} })],
    // @ts-expect-error -- an empty body, deliberately
    ['POST', '/catalog/import', (api) => api.POST('/catalog/import', { body: {} })],
    // @ts-expect-error -- an empty body, deliberately
    ['POST', '/staff', (api) => api.POST('/staff', { body: {} })],
    ['GET', '/staff', (api) => api.GET('/staff')],
    [
      'GET',
      '/store-documents?dossierCode=000.01.01.H40-250314-0001',
      (api) => api.GET('/store-documents', { params: { query: { dossierCode: '000.01.01.H40-250314-0001' } } }),
    ],
    // @ts-expect-error -- an empty body, deliberately
    ['POST', '/intakes', (api) => api.POST('/intakes', { body: {} })],
  ])('answers %s %s without a token with 401', async (_method, _url, request) => {
    const r = await request(await h.api());
    expect(r.response.status).toBe(401);
    expect(r.error).toMatchObject(problem({ code: 'UNAUTHENTICATED' }));
  });
});

describe('the allowed ends of a dossier', () => {
  it('withdraws at the applicant’s request, with the request recorded (portal status 7)', async () => {
    const p = await processingAtHai();
    const noNote = await post.withdraw(
      await h.api('clerk.hai'),
      p.code,
      // @ts-expect-error -- deliberately without the required note
      { version: p.version },
    );
    expect(noNote.response.status).toBe(400);
    expect(noNote.error).toMatchObject(problem({ code: 'VALIDATION', field: 'body.note' }));
    h.clock.set('2025-03-17T09:00:00+07:00');
    const r = await act('clerk.hai', p.code, 'withdraw', { version: p.version, note: 'Công dân xin rút hồ sơ' });
    expect(r).toMatchObject({
      status: 'withdrawn',
      portalStatus: 7,
      decidedAt: '2025-03-17T02:00:00.000Z',
      currentUnit: null,
      version: p.version + 1,
    });
    const branch = await h.api('clerk.branch');
    const ev = (await branch.GET('/dossiers/{code}/events', { params: { path: { code: p.code } } })).data;
    expect(ev?.at(-1)).toMatchObject({
      action: 'withdraw',
      fromStatus: 'processing',
      toStatus: 'withdrawn',
      note: 'Công dân xin rút hồ sơ',
      actorKind: 'staff',
      unitId: h.unit('X-HAI-TT'),
    });
    const steps = (await branch.GET('/dossiers/{code}/process-control', { params: { path: { code: p.code } } })).data;
    expect(steps?.at(-1)).toMatchObject({
      role: 'process',
      toUnitId: h.unit('X-HAI-UB'),
      completedAt: '2025-03-17T02:00:00.000Z',
      outcome: 'early',
    });
    const after = await post.forward(await h.api('spec.hai'), p.code, { version: r.version });
    expect(after.response.status).toBe(409);
    expect(after.error).toMatchObject(problem({ code: 'INVALID_TRANSITION' }));
  });

  it('stops processing with the approver’s reason (portal status 8)', async () => {
    h.clock.set('2025-03-14T10:00:00+07:00');
    const p = await processingAtHai();
    const noReason = await post.stop(await h.api('appr.hai'), p.code, { version: p.version, note: '  ' });
    expect(noReason.response.status).toBe(400);
    expect(noReason.error).toMatchObject(problem({ code: 'VALIDATION', field: 'body.note' }));
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
    const online = (await submitOnline('refused online')).data!;
    const o = await act('clerk.ba', online.code, 'refuse', { version: online.version, note: 'Tờ khai không đọc được' });
    expect(o).toMatchObject({ status: 'refused', portalStatus: 3, receivedAt: null, dueAt: null });
    const again = await post.receive(await h.api('clerk.ba'), o.code, { version: o.version });
    expect(again.response.status).toBe(409);
    expect(again.error).toMatchObject(problem({ code: 'INVALID_TRANSITION' }));
  });

  it('waits for payment and resumes processing once it is recorded (portal status 6, then 4)', async () => {
    const clerk = await h.api('clerk.hai');
    const i = await clerk.POST('/dossiers', {
      body: {
        procedureCode: '2.000815',
        applicant: applicant('14002', { idNumber: newIdNumber() }),
        components: [{ code: 'BC', source: 'upload', fileSha256: await scanBy('clerk.hai') }],
      },
    });
    expect(i.data).toMatchObject({ feeTotalVnd: 2000 });
    const f = await act('clerk.hai', i.data!.code, 'forward', { version: i.data!.version });
    const clerkCannot = await post['request-payment'](clerk, f.code, { version: f.version });
    expect(clerkCannot.error).toMatchObject(problem({ code: 'FORBIDDEN' }));
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
    const twice = await post['payment-received'](clerk, f.code, { version: p.version });
    expect(twice.response.status).toBe(409);
    expect(twice.error).toMatchObject(problem({ code: 'INVALID_TRANSITION' }));
  });
});

describe('every account against the leaders’ exports (GET /kpi/export/…)', () => {
  type Format = 'csv' | 'xlsx';
  type Query = { from: string; to: string; unitId?: number };
  const raw = { parseAs: 'arrayBuffer' } as const;
  /** Each export through the typed client: its path, format and query checked against the API document. */
  const EXPORTS: Record<string, (api: Api, format: Format, query: Query) => Promise<Sent>> = {
    figures: (api, format, query) =>
      api.GET('/kpi/export/figures.{format}', { params: { path: { format }, query: { ...query, by: 'month' } }, ...raw }),
    scorecard: (api, format, query) => api.GET('/kpi/export/scorecard.{format}', { params: { path: { format }, query }, ...raw }),
    'costly-dossiers': (api, format, query) =>
      api.GET('/kpi/export/costly-dossiers.{format}', { params: { path: { format }, query: { ...query, indicator: '2.1' } }, ...raw }),
    productivity: (api, format, query) => api.GET('/kpi/export/productivity.{format}', { params: { path: { format }, query }, ...raw }),
    rankings: (api, format, query) =>
      api.GET('/kpi/export/rankings.{format}', { params: { path: { format }, query: { ...query, level: 'point' } }, ...raw }),
    trends: (api, format, query) =>
      api.GET('/kpi/export/trends.{format}', { params: { path: { format }, query: { ...query, period: 'week' } }, ...raw }),
  };
  // As the JSON figures: managers their center and its points, an agency's approver their agency, the administrator
  // every unit; clerks and specialists none (FORBIDDEN by role). X-HAI-TT is in no one's scope but the administrator's.
  const expected = (user: string, unit: 'own' | 'X-HAI-TT') => {
    const role = USERS[user]!;
    if (role === 'admin') return '200';
    return unit === 'own' && (role === 'manager' || role === 'approver') ? '200' : '403 FORBIDDEN';
  };

  it.each(Object.keys(EXPORTS))(
    'answers GET /kpi/export/%s.{csv,xlsx} with the exact status for every account, in its scope and out of it',
    async (table) => {
      const period = { from: '2025-03-01', to: '2025-03-31' };
      const got: string[] = [];
      const want: string[] = [];
      for (const format of ['csv', 'xlsx'] as const) {
        const anonymous = await EXPORTS[table]!(await h.api(), format, period);
        got.push(`${format} anonymous ${anonymous.response.status} ${anonymous.error?.code}`);
        want.push(`${format} anonymous 401 UNAUTHENTICATED`);
        for (const user of ALL) {
          const api = await h.api(user);
          for (const unit of ['own', 'X-HAI-TT'] as const) {
            const r = await EXPORTS[table]!(api, format, unit === 'own' ? period : { ...period, unitId: h.unit(unit) });
            got.push(`${format} ${user} ${unit} ${r.response.status}${r.error ? ` ${r.error.code}` : ''}`);
            want.push(`${format} ${user} ${unit} ${expected(user, unit)}`);
          }
        }
      }
      expect(got).toEqual(want);
    },
  );
});

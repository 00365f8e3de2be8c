import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applicant, createHarness, newIdNumber, type Harness } from './harness.js';
import { startSmsSimulator, type SmsSimulator } from '../src/simulators/sms.simulator.js';
import { startMailSimulator, type MailSimulator } from '../src/simulators/mail.simulator.js';
import { EsmsSmsSender } from '../src/notifications/sms.client.js';
import { SmtpMailSender } from '../src/notifications/mail.client.js';
import { NotificationService } from '../src/notifications/notification.service.js';
import { claimDue } from '../src/notifications/notification.repository.js';
import { verifyAudit } from '../src/audit/audit.service.js';
import { NOTICE_ACTIONS_SQL } from '../src/dossiers/dossier.repository.js';
import { NOTICE_ACTIONS, SMS_MAX_CHARS, reportSignature } from '../src/notices/notice.model.js';
import { vnDate } from '../src/forms/form.model.js';

// Notices on the steps of a dossier, end to end: the queue row written with each event, the worker making one
// notification per channel, the SMS gateway's simulator (eSMS contract: RequestId dedup, delivery reports to our
// signed callback) and the mail sink (SMTP, read back over HTTP), in Vietnamese and in English; opt-outs, a crash
// between sending and marking, templates an administrator edits, and who may do what.

const SECRET = 'notices-spec-secret';
let h: Harness;
let sms: SmsSimulator;
let mail: MailSimulator;
let mailer: SmtpMailSender;
let gateway: EsmsSmsSender;
let reportUrl: string | undefined;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });
let phoneSeq = 0;
const newPhone = () => `09130${String(++phoneSeq).padStart(5, '0')}`;

beforeAll(async () => {
  sms = await startSmsSimulator({ reportDelayMs: 5 });
  mail = await startMailSimulator();
  gateway = new EsmsSmsSender({
    baseUrl: sms.url,
    apiKey: 'MOTCUA-SIM-KEY',
    secretKey: 'MOTCUA-SIM-SECRET',
    brandname: 'MOTCUA',
    timeoutMs: 5_000,
  });
  mailer = new SmtpMailSender(mail.smtpUrl, 'Motcua <thongbao@motcua.local>');
  // Monday 7 December 2026, 09:00 in Vietnam.
  h = await createHarness('2026-12-07T09:00:00+07:00', {
    notices: { sms: gateway, mail: mailer, smsReportUrl: () => reportUrl, noticeSecret: SECRET },
  });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  reportUrl = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}/notices/sms/reports`;
});

afterAll(async () => {
  mailer?.close();
  await sms?.close();
  await mail?.close();
});

async function act(user: string, code: string, action: string, body: object) {
  const r = await h.app.inject({ method: 'POST', url: `/dossiers/${code}/${action}`, headers: auth(await h.token(user)), payload: body });
  expect(r.statusCode, r.body).toBe(200);
  return r.json() as { version: number };
}

/** Both stages of the worker, then the delivery reports. */
async function flush() {
  await h.services.notices.expand();
  await h.services.notifications.dispatch();
  await sms.idle();
}

const row = (code: string) => h.database.db.selectFrom('dossiers').selectAll().where('code', '=', code).executeTakeFirstOrThrow();
const noticesOf = async (code: string) =>
  (await h.app.inject({ method: 'GET', url: `/dossiers/${code}/notices`, headers: auth(await h.token('clerk.hai')) })).json() as {
    kind: string;
    channel: string;
    recipient: string;
    status: string;
  }[];

async function counterDossier(phone: string, email: string | undefined, lang?: 'vi' | 'en') {
  const sha = await h.upload(await h.token('clerk.hai'), 'scan');
  const r = await h.app.inject({
    method: 'POST',
    url: '/dossiers',
    headers: auth(await h.token('clerk.hai')),
    payload: {
      procedureCode: '2.000815',
      applicant: applicant('14002', { idNumber: newIdNumber(), phone, ...(email ? { email } : {}) }),
      components: [{ code: 'BC', source: 'upload', fileSha256: sha }],
      ...(lang ? { lang } : {}),
    },
  });
  expect(r.statusCode, r.body).toBe(201);
  const d = r.json() as { code: string; version: number };
  return { code: d.code, version: d.version, token: (await row(d.code)).tracking_token };
}

const POINT_VI = 'Trung tâm Phục vụ hành chính công Xã Hai';
const POINT_EN = 'Commune Two Public Administration Service Center';

describe('the notice queue', () => {
  it('lists in its SQL exactly the actions the model makes notices of', () => {
    expect(NOTICE_ACTIONS_SQL).toBe(
      `(${Object.keys(NOTICE_ACTIONS)
        .map((a) => `'${a}'`)
        .join(',')})`,
    );
  });

  it('is written by the statement of each notable event and by no other', async () => {
    const d = await counterDossier(newPhone(), undefined);
    const dossierId = Number((await row(d.code)).id);
    const queued = await h.database.db.selectFrom('notice_queue').selectAll().where('dossier_id', '=', dossierId).execute();
    expect(queued.map((q) => q.seq)).toEqual([1]);
    // Forwarding is no notice.
    await act('clerk.hai', d.code, 'forward', { version: d.version });
    expect(
      (await h.database.db.selectFrom('notice_queue').selectAll().where('dossier_id', '=', dossierId).execute()).map((q) => q.seq),
    ).toEqual([1]);
    // A second expansion finds nothing and makes nothing twice.
    await h.services.notices.expand();
    await h.services.notices.expand();
    const made = await h.database.db.selectFrom('notifications').selectAll().where('dossier_id', '=', dossierId).orderBy('id').execute();
    expect(made.map((m) => [m.kind, m.channel, m.source_key])).toEqual([['dossier.received', 'sms', `dossier:${dossierId}:1:sms`]]);
    expect(await h.database.db.selectFrom('notice_queue').selectAll().where('dossier_id', '=', dossierId).execute()).toEqual([]);
    await flush();
  });
});

describe.each([
  ['vi' as const, undefined],
  ['en' as const, 'en' as const],
])('a dossier walked through every step, in %s', (lang, chosen) => {
  const phone = newPhone();
  const email = `cong.dan.${lang}@example.vn`;
  let code = '';
  let token = '';
  let version = 0;
  const url = () => `http://localhost:3000/tra-cuu/${code}#${token}`;

  it('sends each step by SMS and e-mail with the exact texts', async () => {
    h.clock.set('2026-12-07T09:00:00+07:00');
    const d = await counterDossier(phone, email, chosen);
    ({ code, token, version } = d);
    expect((await row(code)).notice_lang).toBe(lang);
    await flush();
    ({ version } = await act('clerk.hai', code, 'forward', { version }));
    ({ version } = await act('spec.hai', code, 'request-supplement', { version, note: 'Bản sao giấy khai sinh có chứng thực' }));
    await flush();
    ({ version } = await act('clerk.hai', code, 'supplement-received', { version }));
    ({ version } = await act('spec.hai', code, 'request-payment', { version, fees: [{ nameVi: 'Lệ phí cấp bản sao', amountVnd: 48000 }] }));
    await flush();
    ({ version } = await act('spec.hai', code, 'payment-received', { version }));
    ({ version } = await act('spec.hai', code, 'apologize', { version, note: 'Chờ xác minh', newDueAt: '2026-12-15T17:00:00+07:00' }));
    await flush();
    ({ version } = await act('spec.hai', code, 'forward', { version }));
    const file = await h.upload(await h.token('appr.hai'), 'ket qua');
    ({ version } = await act('appr.hai', code, 'result', { version, resultFileSha256: file }));
    await flush();
    h.clock.set('2026-12-09T10:00:00+07:00');
    ({ version } = await act('clerk.hai', code, 'return', { version }));
    await flush();
    const newDate = vnDate((await row(code)).apology_due_at!);
    expect(newDate).toBe('15/12/2026');

    const vi = [
      `Hồ sơ ${code} đã được tiếp nhận tại ${POINT_VI}. Ngày hẹn trả kết quả: 08/12/2026. Tra cứu: ${url()}`,
      `Hồ sơ ${code} cần bổ sung: Bản sao giấy khai sinh có chứng thực. Nộp bổ sung tại ${POINT_VI}, 4 Thôn Hai. Tra cứu: ${url()}`,
      `Hồ sơ ${code} cần nộp 50.000 đồng phí, lệ phí. Thanh toán trực tuyến: ${url()} hoặc tại ${POINT_VI}.`,
      `Xin lỗi: hồ sơ ${code} chưa giải quyết kịp hạn. Ngày hẹn trả kết quả mới: 15/12/2026. Tra cứu: ${url()}`,
      `Hồ sơ ${code} đã có kết quả. Mời nhận tại ${POINT_VI}, 4 Thôn Hai. Tra cứu: ${url()}`,
      `Hồ sơ ${code} đã trả kết quả ngày 09/12/2026. Cảm ơn bạn đã sử dụng dịch vụ. Đánh giá: ${url()}`,
    ];
    const en = [
      `Dossier ${code} was received at ${POINT_EN}. Result due on 08/12/2026. Track it: ${url()}`,
      `Dossier ${code} needs a supplement: Bản sao giấy khai sinh có chứng thực. Bring it to ${POINT_EN}, 4 Thôn Hai. Track it: ${url()}`,
      `Dossier ${code}: please pay 50,000 VND in fees. Pay online: ${url()} or at ${POINT_EN}.`,
      `We apologize: dossier ${code} is delayed. New result date: 15/12/2026. Track it: ${url()}`,
      `The result of dossier ${code} is ready. Collect it at ${POINT_EN}, 4 Thôn Hai. Track it: ${url()}`,
      `The result of dossier ${code} was returned on 09/12/2026. Thank you. Rate us: ${url()}`,
    ];
    const texts = sms.messages(phone).map((m) => m.content);
    expect(texts).toEqual(lang === 'vi' ? vi : en);
    expect(sms.messages(phone).every((m) => m.brandname === 'MOTCUA' && m.unicode === /[^\x00-\x7f]/.test(m.content))).toBe(true);
    for (const t of texts) expect(t.length).toBeLessThanOrEqual(SMS_MAX_CHARS);

    const mails = mail.messages(email);
    expect(mails.map((m) => m.subject)).toEqual(
      lang === 'vi'
        ? [
            `Hồ sơ ${code} đã được tiếp nhận`,
            `Hồ sơ ${code} cần bổ sung, hoàn thiện`,
            `Hồ sơ ${code}: đề nghị nộp phí, lệ phí`,
            `Thư xin lỗi và hẹn lại ngày trả kết quả hồ sơ ${code}`,
            `Hồ sơ ${code} đã có kết quả`,
            `Hồ sơ ${code} đã trả kết quả`,
          ]
        : [
            `Dossier ${code} received`,
            `Dossier ${code} needs a supplement`,
            `Dossier ${code}: fees to pay`,
            `Apology and new return date for dossier ${code}`,
            `The result of dossier ${code} is ready`,
            `Dossier ${code}: result returned`,
          ],
    );
    const ids = await h.database.db
      .selectFrom('notifications')
      .select(['id'])
      .where('ref', '=', `dossier:${code}`)
      .where('channel', '=', 'email')
      .orderBy('id')
      .execute();
    expect(mails.map((m) => m.messageId)).toEqual(ids.map((r) => `<notice-${r.id}@motcua.local>`));
    expect(mails.every((m) => m.deliveries === 1 && m.from === 'thongbao@motcua.local')).toBe(true);
    const first = mails[0]!;
    const optOut = /(http:\/\/localhost:3000\/notices\/opt-out\?token=[A-Za-z0-9_.-]+)/.exec(first.text)![1]!;
    expect(first.text).toBe(
      (lang === 'vi'
        ? `Hồ sơ ${code} (Chứng thực bản sao từ bản chính) đã được tiếp nhận tại ${POINT_VI}.\nNgày hẹn trả kết quả: 08/12/2026.\nTra cứu tình trạng hồ sơ: ${url()}`
        : `Dossier ${code} (Certified copy from the original) was received at ${POINT_EN}.\nThe result is due on 08/12/2026.\nTrack it: ${url()}`) +
        `\n\n--\nKhông muốn nhận thư thông báo nữa / Stop these e-mails: ${optOut}`,
    );
    expect(first.html).toContain(`<a href="${optOut}">Không muốn nhận thư thông báo nữa / Stop these e-mails</a>`);
    expect(first.listUnsubscribe).toBe(`<${optOut}>`);

    // Every SMS was reported delivered, with its time, through the signed callback.
    const view = await noticesOf(code);
    expect(view.map((n) => [n.kind, n.channel, n.status])).toEqual(
      ['received', 'supplement', 'payment', 'apology', 'result', 'returned'].flatMap((k) => [
        [k, 'sms', 'delivered'],
        [k, 'email', 'sent'],
      ]),
    );
    expect(view[0]!.recipient).toBe(`*******${phone.slice(-3)}`);
    expect(view[1]!.recipient).toBe(`c***@example.vn`);
    const rows = await h.database.db
      .selectFrom('notifications')
      .selectAll()
      .where('ref', '=', `dossier:${code}`)
      .where('channel', '=', 'sms')
      .orderBy('id')
      .execute();
    expect(rows.map((r) => [r.provider_id, r.delivery_status])).toEqual(sms.messages(phone).map((m) => [m.smsId, 'delivered']));
    expect(rows.every((r) => r.delivery_at instanceof Date && r.attempts === 1 && r.last_error === null)).toBe(true);
  });

  it('stops the e-mails after the link in one of them, and only them', async () => {
    const optOut = /(\/notices\/opt-out\?token=[A-Za-z0-9_.-]+)/.exec(mail.messages(email)[0]!.text)![1]!;
    const page = await h.app.inject({ method: 'GET', url: optOut, headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Hủy nhận thông báo / Stop notices');
    expect(page.body).toContain('<form method="post"');
    const r = await h.app.inject({ method: 'POST', url: optOut });
    expect([r.statusCode, r.json()]).toEqual([200, { channel: 'email', optedOut: true, already: false }]);
    const again = await h.app.inject({ method: 'POST', url: optOut });
    expect(again.json()).toEqual({ channel: 'email', optedOut: true, already: true });
    const digests = await h.database.db.selectFrom('notice_optouts').selectAll().where('channel', '=', 'email').execute();
    expect(JSON.stringify(digests)).not.toContain(email);
    const audited = await h.database.db.selectFrom('audit_log').select(['action']).where('action', '=', 'notice.opt_out').execute();
    expect(audited.length).toBeGreaterThanOrEqual(1);

    // A new dossier of the same citizen: the SMS goes, the e-mail is recorded as skipped.
    const before = mail.stats().deliveries;
    const d = await counterDossier(phone, email.toUpperCase(), chosen);
    await flush();
    expect(mail.stats().deliveries).toBe(before);
    expect((await noticesOf(d.code)).map((n) => [n.kind, n.channel, n.status])).toEqual([
      ['received', 'sms', 'delivered'],
      ['received', 'email', 'skipped_opted_out'],
    ]);
    const tampered = await h.app.inject({ method: 'POST', url: `${optOut.slice(0, -2)}xx` });
    expect([tampered.statusCode, tampered.json().code]).toEqual([404, 'NOT_FOUND']);
  });
});

describe('online filing and the other steps', () => {
  it('acknowledges an online submission and its receipt in the language chosen, and tells a refusal with its reason', async () => {
    h.clock.set('2026-12-07T09:00:00+07:00');
    const phone = newPhone();
    const sub = await h.submission();
    const sha = await h.publicUpload(sub);
    const r = await h.app.inject({
      method: 'POST',
      url: '/public/dossiers',
      headers: { 'x-submission-token': sub },
      payload: {
        procedureCode: '2.000815',
        applicant: applicant('14002', { idNumber: newIdNumber(), phone }),
        components: [{ code: 'BC', source: 'upload', fileSha256: sha }],
        lang: 'en',
      },
    });
    expect(r.statusCode, r.body).toBe(201);
    const code = (r.json() as { code: string }).code;
    const token = (await row(code)).tracking_token;
    await flush();
    let { version } = await act('clerk.hai', code, 'receive', { version: (r.json() as { version: number }).version });
    await flush();
    ({ version } = await act('clerk.hai', code, 'refuse', { version, note: 'Thiếu chữ ký' }));
    await flush();
    const url = `http://localhost:3000/tra-cuu/${code}#${token}`;
    expect(sms.messages(phone).map((m) => m.content)).toEqual([
      `Dossier ${code} was filed online and awaits receipt by ${POINT_EN}. Track it: ${url}`,
      `Dossier ${code} was received at ${POINT_EN}. Result due on 08/12/2026. Track it: ${url}`,
      `Dossier ${code} was refused. Reason: Thiếu chữ ký. Track it: ${url}`,
    ]);
  });

  it('tells that processing stopped, with the reason (Vietnamese by default)', async () => {
    h.clock.set('2026-12-07T09:00:00+07:00');
    const phone = newPhone();
    const d = await counterDossier(phone, undefined);
    let { version } = await act('clerk.hai', d.code, 'forward', { version: d.version });
    ({ version } = await act('spec.hai', d.code, 'forward', { version }));
    await act('appr.hai', d.code, 'stop', { version, note: 'Người nộp đã mất năng lực hành vi' });
    await flush();
    expect(
      sms
        .messages(phone)
        .map((m) => m.content)
        .at(-1),
    ).toBe(
      `Hồ sơ ${d.code} đã dừng xử lý. Lý do: Người nộp đã mất năng lực hành vi. Tra cứu: http://localhost:3000/tra-cuu/${d.code}#${d.token}`,
    );
  });

  it('lets a clerk stop the SMS of an applicant who asked at the counter', async () => {
    const phone = newPhone();
    const d = await counterDossier(phone, 'hoi.quay@example.vn');
    await flush();
    const r = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${d.code}/notices/opt-out`,
      headers: auth(await h.token('clerk.hai')),
      payload: { channel: 'sms' },
    });
    expect([r.statusCode, r.json()]).toEqual([200, { channel: 'sms', optedOut: true, already: false }]);
    const other = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${d.code}/notices/opt-out`,
      headers: auth(await h.token('clerk.ba')),
      payload: { channel: 'sms' },
    });
    expect([other.statusCode, other.json().code]).toEqual([404, 'NOT_FOUND']);
    await act('clerk.hai', d.code, 'forward', { version: d.version });
    const e = await counterDossier(phone, 'hoi.quay@example.vn');
    await flush();
    expect((await noticesOf(e.code)).map((n) => [n.channel, n.status])).toEqual([
      ['sms', 'skipped_opted_out'],
      ['email', 'sent'],
    ]);
    expect(sms.messages(phone)).toHaveLength(1);
  });
});

describe('a citizen stopping a channel', () => {
  it('stops the SMS of their own dossier only, audited as the citizen', async () => {
    const phone = newPhone();
    const idNumber = newIdNumber();
    const sha = await h.upload(await h.token('clerk.hai'), 'scan');
    const r = await h.app.inject({
      method: 'POST',
      url: '/dossiers',
      headers: auth(await h.token('clerk.hai')),
      payload: {
        procedureCode: '2.000815',
        applicant: applicant('14002', { idNumber, phone }),
        components: [{ code: 'BC', source: 'upload', fileSha256: sha }],
      },
    });
    const code = (r.json() as { code: string }).code;
    const find = (c: string) => h.services.dossiers.findByCode(c);
    await expect(h.services.notices.optOutByCitizen(newIdNumber(), code, 'sms', find)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(h.services.notices.optOutByCitizen(idNumber, code, 'email', find)).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(await h.services.notices.optOutByCitizen(idNumber, code, 'sms', find)).toEqual({
      channel: 'sms',
      optedOut: true,
      already: false,
    });
    const audit = await h.database.db
      .selectFrom('audit_log')
      .select(['stream', 'payload'])
      .where('action', '=', 'notice.opt_out')
      .where('actor_kind', '=', 'citizen')
      .execute();
    expect(audit.map((a) => [a.stream, a.payload.includes(code)])).toEqual([['system', true]]);
    expect(audit[0]!.payload).not.toContain(phone);
    await flush();
    expect((await noticesOf(code)).map((n) => [n.channel, n.status])).toEqual([['sms', 'skipped_opted_out']]);
    expect(sms.messages(phone)).toEqual([]);
  });
});

describe('delivery reports', () => {
  it('stores a failure the gateway reports, once', async () => {
    const phone = newPhone();
    sms.failNumbers([phone]);
    const d = await counterDossier(phone, undefined);
    await flush();
    sms.failNumbers([]);
    const n = await h.database.db.selectFrom('notifications').selectAll().where('ref', '=', `dossier:${d.code}`).executeTakeFirstOrThrow();
    expect([n.delivery_status, n.sent_at instanceof Date, n.delivery_at instanceof Date]).toEqual(['failed', true, true]);
    expect((await noticesOf(d.code))[0]!.status).toBe('failed');
    // The same report again changes nothing and audits nothing.
    const m = sms.messages(phone)[0]!;
    const auditBefore = await h.count('audit_log');
    const again = await h.app.inject({
      method: 'POST',
      url: `/notices/sms/reports?sig=${reportSignature(SECRET, m.requestId)}`,
      payload: { SMSID: m.smsId, RequestId: m.requestId, SendStatus: '4' },
    });
    expect([again.statusCode, again.json()]).toEqual([200, { stored: false }]);
    expect(await h.count('audit_log')).toBe(auditBefore);
    const audited = await h.database.db
      .selectFrom('audit_log')
      .select(['action', 'entity_id'])
      .where('entity_type', '=', 'notification')
      .where('entity_id', '=', String(n.id))
      .orderBy('seq')
      .execute();
    expect(audited.map((a) => a.action)).toEqual(['notification.sent', 'notification.failed']);
  });

  it('refuses a report with a bad signature, or signed for another message', async () => {
    const m = sms.messages()[0]!;
    const bad = await h.app.inject({
      method: 'POST',
      url: `/notices/sms/reports?sig=${'0'.repeat(64)}`,
      payload: { SMSID: m.smsId, RequestId: m.requestId, SendStatus: '4' },
    });
    expect([bad.statusCode, bad.json().code]).toEqual([401, 'UNAUTHENTICATED']);
    const other = await h.app.inject({
      method: 'POST',
      url: `/notices/sms/reports?sig=${reportSignature(SECRET, 'notice-999999')}`,
      payload: { SMSID: m.smsId, RequestId: m.requestId, SendStatus: '4' },
    });
    expect([other.statusCode, other.json().code]).toEqual([401, 'UNAUTHENTICATED']);
    const missing = await h.app.inject({
      method: 'POST',
      url: `/notices/sms/reports`,
      payload: { SMSID: m.smsId, RequestId: m.requestId, SendStatus: '4' },
    });
    expect([missing.statusCode, missing.json().code]).toEqual([400, 'VALIDATION']);
  });
});

describe('exactly once across a crash', () => {
  it('resends a message claimed and sent by a process that died before marking it, with the same RequestId and Message-ID', async () => {
    h.clock.set('2026-12-07T10:00:00+07:00');
    const phone = newPhone();
    const email = 'sap.nguon@example.vn';
    const d = await counterDossier(phone, email);
    await h.services.notices.expand();
    // The process that died: it claimed both, handed them to the gateway and the mail server, and never marked them.
    const claimed = await claimDue(h.database.db, h.clock.now, new Date(h.clock.now.getTime() + 60_000), 10, 5);
    expect(claimed.map((c) => c.channel)).toEqual(['sms', 'email']);
    const smsRow = claimed[0]!;
    const mailRow = claimed[1]!;
    await gateway.send(smsRow.recipient, smsRow.body, { requestId: NotificationService.requestId(smsRow.id) });
    await mailer.send({
      to: mailRow.recipient,
      subject: mailRow.subject!,
      text: 'x',
      html: '<p>x</p>',
      messageId: h.services.notifications.messageId(mailRow.id),
      unsubscribeUrl: 'http://localhost:3000/notices/opt-out?token=x',
    });
    const dupBefore = sms.stats().duplicates;
    const deliveriesBefore = mail.stats().deliveries;
    // While its lease holds, nobody sends them.
    expect(await h.services.notifications.dispatch()).toEqual({ sent: 0, failed: 0 });
    h.clock.set('2026-12-07T10:01:01+07:00');
    expect(await h.services.notifications.dispatch()).toEqual({ sent: 2, failed: 0 });
    await sms.idle();
    // The gateway took the retry as the same message: one SMS, the same SMSID, recorded on the row.
    expect(sms.messages(phone)).toHaveLength(1);
    expect(sms.stats().duplicates).toBe(dupBefore + 1);
    const rows = await h.database.db.selectFrom('notifications').selectAll().where('ref', '=', `dossier:${d.code}`).orderBy('id').execute();
    expect(rows.map((r) => [r.channel, r.attempts, r.provider_id, r.claimed_until])).toEqual([
      ['sms', 2, sms.messages(phone)[0]!.smsId, null],
      ['email', 2, `<notice-${mailRow.id}@motcua.local>`, null],
    ]);
    // Two SMTP deliveries, one message in the store.
    expect(mail.stats().deliveries).toBe(deliveriesBefore + 1);
    expect(mail.messages(email).map((m) => [m.messageId, m.deliveries])).toEqual([[`<notice-${mailRow.id}@motcua.local>`, 2]]);
  });

  it('retries a gateway away with backoff, keeping the error without the number', async () => {
    h.clock.set('2026-12-07T11:00:00+07:00');
    const phone = newPhone();
    const d = await counterDossier(phone, undefined);
    await h.services.notices.expand();
    sms.downUntil(Date.now() + 60_000);
    expect(await h.services.notifications.dispatch()).toEqual({ sent: 0, failed: 1 });
    // The first retry is at the next run; the second failure waits 5 s.
    expect(await h.services.notifications.dispatch()).toEqual({ sent: 0, failed: 1 });
    expect(await h.services.notifications.dispatch()).toEqual({ sent: 0, failed: 0 });
    const n = await h.database.db.selectFrom('notifications').selectAll().where('ref', '=', `dossier:${d.code}`).executeTakeFirstOrThrow();
    expect([n.attempts, n.last_error, n.due_at.toISOString()]).toEqual([2, 'sms gateway answered HTTP 503', '2026-12-07T04:00:05.000Z']);
    expect(n.last_error).not.toContain(phone);
    sms.downUntil(0);
    h.clock.set('2026-12-07T11:00:05+07:00');
    expect(await h.services.notifications.dispatch()).toEqual({ sent: 1, failed: 0 });
    expect(sms.messages(phone)).toHaveLength(1);
  });
});

describe('a dispatch round', () => {
  it('records every message it sent, whatever order their gateways answer in across its chunks, once each', async () => {
    h.clock.set('2026-12-07T13:00:00+07:00');
    await h.services.notifications.dispatch(); // nothing else due
    const ref = 'test:round';
    // A gateway whose answers come back out of order: message i waits (i × 7) mod 13 ms.
    let calls = 0;
    const slow = {
      name: 'slow',
      async send(_to: string, body: string) {
        calls++;
        await new Promise((r) => setTimeout(r, (Number(body) * 7) % 13));
      },
    };
    const service = new NotificationService({ db: h.database.db, clock: () => h.clock.now, auditKey: h.auditKey, sender: slow });
    await h.database.db.transaction().execute((trx) =>
      service.enqueue(
        trx,
        Array.from({ length: 150 }, (_, i) => ({ to: newPhone(), body: String(i), kind: 'test.round', ref, dueAt: h.clock.now })),
      ),
    );
    expect(await service.dispatch(150)).toEqual({ sent: 150, failed: 0 });
    const rows = await h.database.db.selectFrom('notifications').selectAll().where('ref', '=', ref).orderBy('id').execute();
    expect(
      rows.filter((r) => r.sent_at !== null && r.claimed_until === null && r.attempts === 1 && r.provider_id === `notice-${r.id}`),
    ).toHaveLength(150);
    const entries = await h.database.db
      .selectFrom('audit_log')
      .select(['entity_id', 'action'])
      .where('entity_type', '=', 'notification')
      .where(
        'entity_id',
        'in',
        rows.map((r) => String(r.id)),
      )
      .execute();
    expect(entries.map((e) => e.action).sort()).toEqual(Array(150).fill('notification.sent'));
    expect(new Set(entries.map((e) => e.entity_id)).size).toBe(150);
    // Past the lease, nothing is claimed again: the round left no message unrecorded.
    h.clock.set('2026-12-07T13:05:00+07:00');
    expect(await service.dispatch(150)).toEqual({ sent: 0, failed: 0 });
    expect(calls).toBe(150);
    // The batch entries, the delivery reports' one-statement entries and every other append link up.
    expect((await verifyAudit(h.database.db, h.auditKey)).problems).toEqual([]);
  });
});

describe('templates', () => {
  const put = async (user: string, path: string, payload: object) =>
    h.app.inject({ method: 'PUT', url: `/notices/templates/${path}`, headers: auth(await h.token(user)), payload });

  it('lists every kind, channel and language with its variables', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/notices/templates', headers: auth(await h.token('admin')) });
    expect(r.statusCode).toBe(200);
    const list = r.json() as { kind: string; channel: string; lang: string; custom: boolean; variables: string[] }[];
    // 9 kinds of dossier notice and 3 of feedback, by 2 channels and 2 languages.
    expect(list).toHaveLength(12 * 2 * 2);
    expect(list.find((t) => t.kind === 'feedback_answered' && t.channel === 'email' && t.lang === 'en')).toMatchObject({
      custom: false,
      variables: ['code', 'title', 'unit', 'note', 'followUrl'],
    });
    expect(list.find((t) => t.kind === 'payment' && t.channel === 'sms' && t.lang === 'vi')).toMatchObject({
      custom: false,
      variables: ['code', 'procedure', 'point', 'trackingUrl', 'amount', 'returnPoint'],
    });
  });

  it('refuses an unknown variable, a text too long, a wrong kind and an e-mail without subject, naming the field', async () => {
    const unknown = await put('admin', 'received/sms/vi', { body: 'Hồ sơ {{code}}: nộp {{amount}}' });
    expect([unknown.statusCode, unknown.json().code, unknown.json().field, unknown.json().details]).toEqual([
      400,
      'VALIDATION',
      'body.body',
      { reason: 'unknown_variable', variable: 'amount', known: ['code', 'procedure', 'point', 'trackingUrl', 'dueDate'] },
    ]);
    const long = await put('admin', 'received/sms/vi', { body: `Hồ sơ {{code}} ${'x'.repeat(310)}` });
    expect([long.statusCode, long.json().code, long.json().field, long.json().details]).toEqual([
      400,
      'VALIDATION',
      'body.body',
      // "Hồ sơ " (6) + a dossier code (25) + " " + 310: 342 characters.
      { reason: 'too_long', length: 342, max: 335 },
    ]);
    const kind = await put('admin', 'lottery/sms/vi', { body: 'x' });
    expect([kind.statusCode, kind.json().code, kind.json().field]).toEqual([400, 'VALIDATION', 'params.kind']);
    const section = await put('admin', 'received/sms/vi', { body: '{{#code}}x{{/code}}' });
    expect(section.json().details).toEqual({ reason: 'unsupported_tag', tag: '#' });
    const noSubject = await put('admin', 'received/email/vi', { body: 'Hồ sơ {{code}}' });
    expect([noSubject.json().field, noSubject.json().details]).toEqual(['body.subject', { reason: 'required' }]);
    expect(await h.count('notice_templates')).toBe(0);
  });

  it('uses an administrator’s text for the next notices, previews it, and goes back to the default; each write audited', async () => {
    const r = await put('admin', 'received/sms/vi', { body: 'Đã nhận hồ sơ {{code}}, hẹn trả {{dueDate}}.' });
    expect([r.statusCode, r.json().custom]).toEqual([200, true]);
    const preview = await h.app.inject({
      method: 'POST',
      url: '/notices/templates/preview',
      headers: auth(await h.token('admin')),
      payload: { kind: 'received', channel: 'sms', lang: 'vi' },
    });
    expect(preview.json()).toEqual({
      subject: null,
      text: 'Đã nhận hồ sơ 000.00.00.H55-261206-0001, hẹn trả 08/12/2026.',
      html: null,
      length: 60,
    });
    h.clock.set('2026-12-07T09:00:00+07:00');
    const phone = newPhone();
    const d = await counterDossier(phone, undefined);
    await flush();
    expect(sms.messages(phone).map((m) => m.content)).toEqual([`Đã nhận hồ sơ ${d.code}, hẹn trả 08/12/2026.`]);
    const del = await h.app.inject({ method: 'DELETE', url: '/notices/templates/received/sms/vi', headers: auth(await h.token('admin')) });
    expect([del.statusCode, del.json().custom]).toEqual([200, false]);
    const again = await h.app.inject({
      method: 'DELETE',
      url: '/notices/templates/received/sms/vi',
      headers: auth(await h.token('admin')),
    });
    expect([again.statusCode, again.json().code]).toEqual([404, 'NOT_FOUND']);
    const audited = await h.database.db
      .selectFrom('audit_log')
      .select(['action', 'entity_id'])
      .where('entity_type', '=', 'notice_template')
      .orderBy('seq')
      .execute();
    expect(audited).toEqual([
      { action: 'notice.template_set', entity_id: 'received/sms/vi' },
      { action: 'notice.template_reset', entity_id: 'received/sms/vi' },
    ]);
  });

  it('refuses every write and read of templates to every role but the administrator', async () => {
    for (const user of ['clerk.hai', 'manager.center', 'spec.hai', 'appr.hai']) {
      const t = await h.token(user);
      const calls = [
        h.app.inject({ method: 'GET', url: '/notices/templates', headers: auth(t) }),
        h.app.inject({ method: 'PUT', url: '/notices/templates/received/sms/vi', headers: auth(t), payload: { body: 'Hồ sơ {{code}}' } }),
        h.app.inject({ method: 'DELETE', url: '/notices/templates/received/sms/vi', headers: auth(t) }),
        h.app.inject({
          method: 'POST',
          url: '/notices/templates/preview',
          headers: auth(t),
          payload: { kind: 'received', channel: 'sms', lang: 'vi' },
        }),
      ];
      for (const r of await Promise.all(calls)) expect([user, r.statusCode, r.json().code]).toEqual([user, 403, 'FORBIDDEN']);
    }
    const anonymous = await h.app.inject({ method: 'PUT', url: '/notices/templates/received/sms/vi', payload: { body: 'x' } });
    expect(anonymous.statusCode).toBe(401);
    expect(await h.count('notice_templates')).toBe(0);
  });
});

describe('feedback answers', () => {
  /** A feedback about the commune committee, filed from the portal by a sender who gave a phone and an e-mail. */
  async function fileFeedback(phone: string, email: string, lang?: 'vi' | 'en') {
    const r = await h.app.inject({
      method: 'POST',
      url: '/feedback/public',
      payload: {
        channel: 'portal',
        subject: { kind: 'unit', unitId: h.unit('X-HAI-UB') },
        title: 'Đường vào bộ phận một cửa bị ngập',
        content: 'Sau mưa, lối vào bộ phận một cửa ngập nước, người dân khó đi lại.',
        sender: { name: 'Trần Văn Bình', phone, email },
        ...(lang ? { lang } : {}),
      },
    });
    expect(r.statusCode, r.body).toBe(201);
    return r.json().code as string;
  }
  const feedbackAct = async (user: string, code: string, action: string, payload: object = {}) => {
    const r = await h.app.inject({ method: 'POST', url: `/feedback/${code}/${action}`, headers: auth(await h.token(user)), payload });
    expect(r.statusCode, r.body).toBe(200);
  };

  it('tells the sender of the answer and of a request for information, by SMS and e-mail, once each, in their language', async () => {
    const phone = newPhone();
    const email = `binh.${phone}@example.vn`;
    const code = await fileFeedback(phone, email);
    await flush();
    // Filing itself sends nothing: the sender has the code on screen.
    expect(sms.messages(phone)).toEqual([]);

    await feedbackAct('spec.hai', code, 'request_info', { note: 'Xin cho biết lối vào nào (cổng chính hay cổng phụ).' });
    // The sender answers by telephone; the specialist records it, takes the feedback up, and the chairman answers.
    await feedbackAct('spec.hai', code, 'info_received', { note: 'Cổng chính, phía quốc lộ.' });
    await feedbackAct('spec.hai', code, 'assign', {});
    await feedbackAct('appr.hai', code, 'answer', { answer: 'Ủy ban đã cho khơi thông cống thoát nước trước cổng chính.' });
    await flush();
    const follow = `http://localhost:3000/phan-anh?ma=${code}`;
    expect(sms.messages(phone).map((m) => m.content)).toEqual([
      `Ủy ban nhân dân Xã Hai đề nghị bổ sung thông tin cho phản ánh ${code}. Xem và trả lời tại: ${follow}`,
      `Phản ánh, kiến nghị ${code} đã được Ủy ban nhân dân Xã Hai trả lời. Xem nội dung trả lời: ${follow}`,
    ]);
    const mails = mail.messages(email);
    expect(mails.map((m) => m.subject)).toEqual([`Đề nghị bổ sung thông tin cho phản ánh ${code}`, `Trả lời phản ánh, kiến nghị ${code}`]);
    expect(mails[1]!.text).toContain(
      `Phản ánh, kiến nghị ${code} ("Đường vào bộ phận một cửa bị ngập") đã được Ủy ban nhân dân Xã Hai trả lời:\n\nỦy ban đã cho khơi thông cống thoát nước trước cổng chính.`,
    );
    expect(mails.every((m) => m.deliveries === 1)).toBe(true);
    const rows = await h.database.db.selectFrom('notifications').selectAll().where('ref', '=', `feedback:${code}`).orderBy('id').execute();
    expect(rows.map((r) => [r.kind, r.channel, r.sent_at !== null])).toEqual([
      ['feedback.feedback_info', 'sms', true],
      ['feedback.feedback_info', 'email', true],
      ['feedback.feedback_answered', 'sms', true],
      ['feedback.feedback_answered', 'email', true],
    ]);
    // Publishing the answer tells nothing new.
    await feedbackAct('appr.hai', code, 'publish');
    await flush();
    expect(sms.messages(phone)).toHaveLength(2);
  });

  it('writes to a sender who chose English in English, and to none who opted out of a channel', async () => {
    const phone = newPhone();
    const email = `binh.${phone}@example.vn`;
    const code = await fileFeedback(phone, email, 'en');
    // The sender stopped e-mails earlier (their address's opt-out holds for every notice).
    await h.database.db
      .insertInto('notice_optouts')
      .values({
        channel: 'email',
        address_digest: (await import('../src/notices/notice.model.js')).addressDigest(SECRET, 'email', email),
        created_at: h.clock.now,
        source: 'email_link',
      })
      .execute();
    await feedbackAct('appr.hai', code, 'refuse', { reason: 'Nội dung không thuộc thẩm quyền của Ủy ban xã' });
    await flush();
    expect(sms.messages(phone).map((m) => m.content)).toEqual([
      `Feedback ${code} was not taken up by Commune Two People's Committee. Reason: Nội dung không thuộc thẩm quyền của Ủy ban xã. Details: http://localhost:3000/phan-anh?ma=${code}`,
    ]);
    expect(mail.messages(email)).toEqual([]);
    const rows = await h.database.db.selectFrom('notifications').selectAll().where('ref', '=', `feedback:${code}`).orderBy('id').execute();
    expect(rows.map((r) => [r.channel, r.skipped_reason])).toEqual([
      ['sms', null],
      ['email', 'opted_out'],
    ]);
  });
});

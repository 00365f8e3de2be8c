import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  PORTAL_CATALOG_SERVICES,
  PORTAL_ERRORS,
  PORTAL_INBOUND_SERVICES,
  PORTAL_SERVICES,
  type NationalProcedure,
  type PortalCatalogListAnswer,
  parsePortalDate,
  portalDate,
  type PortalConfirmAnswer,
  type PortalDossier,
  type PortalInboundDossier,
  type PortalListNewAnswer,
  type PortalItemAnswer,
  type PortalLookupAnswer,
  type PortalSyncAnswer,
} from '../portal/portal.contract.js';

/**
 * A local stand-in for the National Public Service Portal's integration API (src/portal/portal.contract.ts), run as
 * its own process by `motcua simulate portal`. It keeps what it is sent in memory and fails the ways the real one
 * does, by switch: away for a while (503 or connections cut), slow, random 500s, an answer lost after the data was
 * taken (so the sender sends it again), requests applied twice, sessions that expire, procedures it does not know.
 * `/_sim/*` is its own window: what it holds of a dossier, its counts, and the switches at run time.
 *
 * Inward, it plays the citizen too: `POST /_sim/submit` files a dossier on the portal (its fields and files as base64
 * PDFs); `LayDanhSachHoSoMoi` lists it until `XacNhanTiepNhanHoSo` confirms it, and each file is served at its
 * `DuongDanTaiTepTin` (`GET /files/<id>?session=`) — all behind the same faults as the rest. The citizen's account
 * shows what they filed with the province's code, status and history as synced (`GET /_sim/accounts/<ID number>`,
 * one dossier: `GET /_sim/submitted/<MaHoSoQG>`). It holds the national procedure database too, served by
 * `LayDanhSachTTHC` and set through `PUT /_sim/procedures` (all) or `POST /_sim/procedures` (one or some).
 */

export interface PortalFaults {
  /** Epoch ms until which the portal is away. */
  downUntil: number;
  /** How it is away: 503 answers, or connections cut without an answer. */
  downMode: '503' | 'reset';
  /** Delay of every answer. */
  slowMs: number;
  /** Share of requests answered 500 without taking anything. */
  failRate: number;
  /** Share of sync requests whose data is taken but whose answer is lost (502). */
  dropAnswerRate: number;
  /** Share of sync requests applied twice (a replay inside the portal). */
  duplicateRate: number;
  /** Procedure codes (MaTTHC) the portal does not know: such dossiers are refused one by one. */
  rejectProcedures: string[];
  /** Session lifetime. */
  sessionTtlMs: number;
}

export const DEFAULT_FAULTS: PortalFaults = {
  downUntil: 0,
  downMode: '503',
  slowMs: 0,
  failRate: 0,
  dropAnswerRate: 0,
  duplicateRate: 0,
  rejectProcedures: [],
  sessionTtlMs: 30 * 60_000,
};

export interface PortalSimulatorOptions {
  port?: number;
  host?: string;
  /** Accounts allowed to log in (username → password); default motcua / motcua-sim. */
  accounts?: Record<string, string>;
  faults?: Partial<PortalFaults>;
  /** Seed of the fault dice (repeatable runs). */
  seed?: number;
}

/** What the simulator holds of one dossier: the latest message taken, and what it saw of it. */
interface Held {
  dossier: PortalDossier;
  /** Messages for it, including duplicates and late ones. */
  received: number;
  /** Messages whose PhienBan it already had (a duplicate: changes nothing). */
  duplicates: number;
  /** Messages older than what it had (out of order: changes nothing). */
  stale: number;
  /** Messages whose history did not extend the one held (a change lost or reordered): must stay 0. */
  historyConflicts: number;
  firstAt: number;
  updatedAt: number;
}

export interface PortalSimulatorStats {
  dossiers: number;
  requests: number;
  messages: number;
  duplicates: number;
  stale: number;
  historyConflicts: number;
  rejected: number;
  failedRequests: number;
  droppedAnswers: number;
  replayed: number;
  logins: number;
  /** Dossiers filed on the portal by citizens (`/_sim/submit`), confirmations taken (repeats included), file downloads. */
  submitted: number;
  confirmations: number;
  downloads: number;
}

/** A dossier a citizen filed on the portal, its files, and the province's code for it once confirmed. */
export interface PortalSubmitted {
  dossier: PortalInboundDossier;
  seq: number;
  confirmedAs: string | null;
  confirmedAt: number | null;
  /** Confirmation requests for it (a repeat after a lost answer counts again). */
  confirmations: number;
}

/** The body of `/_sim/submit`: the dossier's fields, and each file's bytes in base64. */
export interface PortalSubmitBody extends Partial<Omit<PortalInboundDossier, 'TaiLieuNop'>> {
  TaiLieuNop?: { MaThanhPhanHoSo: string; TenTepDinhKem: string; base64: string; contentType?: string }[];
}

export interface PortalSimulator {
  url: string;
  port: number;
  faults: PortalFaults;
  stats(): PortalSimulatorStats;
  dossier(code: string): Held | undefined;
  /** A citizen files a dossier on the portal; returns it as the list API will serve it. */
  submit(body: PortalSubmitBody): PortalInboundDossier;
  /** What the simulator holds of a portal-filed dossier, by its MaHoSoQG. */
  submitted(portalId: string): PortalSubmitted | undefined;
  /** Ends every session (as a portal restart does): the next request must log in again. */
  expireSessions(): void;
  close(): Promise<void>;
}

const MAX_BODY = 32 * 1024 * 1024;

/** A small seeded PRNG (mulberry32): the simulator stands alone, importing nothing of the app but the contract. */
function dice(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Why a dossier in a sync request is not acceptable, or null. */
function invalidReason(d: unknown, rejectProcedures: string[]): string | null {
  if (!d || typeof d !== 'object') return 'not an object';
  const x = d as Partial<PortalDossier>;
  if (typeof x.MaHoSo !== 'string' || !x.MaHoSo) return 'MaHoSo is required';
  if (typeof x.MaTTHC !== 'string' || !x.MaTTHC) return 'MaTTHC is required';
  if (rejectProcedures.includes(x.MaTTHC)) return `MaTTHC ${x.MaTTHC} không có trong CSDL quốc gia về TTHC (unknown procedure)`;
  const status = Number(x.TrangThaiHoSo);
  if (!Number.isInteger(status) || status < 1 || status > 10) return 'TrangThaiHoSo must be a status code 1–10';
  if (![1, 2, 3].includes(x.KenhThucHien as number)) return 'KenhThucHien must be 1, 2 or 3';
  if (!Number.isInteger(x.PhienBan) || (x.PhienBan as number) < 1) return 'PhienBan must be a positive integer';
  for (const f of ['NgayTiepNhan', 'NgayHenTra', 'NgayKetThucXuLy', 'NgayTra'] as const) {
    const v = x[f];
    if (typeof v !== 'string' || (v !== '' && !parsePortalDate(v))) return `${f} must be yyyyMMddHHmmss or empty`;
  }
  if (status >= 2 && status !== 3 && !x.NgayTiepNhan) return 'NgayTiepNhan is required once received';
  if (!Array.isArray(x.QuaTrinhXuLy) || !Array.isArray(x.TaiLieuNop) || !Array.isArray(x.DanhSachLePhi))
    return 'QuaTrinhXuLy, TaiLieuNop and DanhSachLePhi must be arrays';
  return null;
}

export async function startPortalSimulator(opts: PortalSimulatorOptions = {}): Promise<PortalSimulator> {
  const accounts = opts.accounts ?? { motcua: 'motcua-sim' };
  const faults: PortalFaults = { ...DEFAULT_FAULTS, ...opts.faults };
  const roll = dice(opts.seed ?? 766);
  const sessions = new Map<string, number>();
  const held = new Map<string, Held>();
  const counts: PortalSimulatorStats = {
    dossiers: 0,
    requests: 0,
    messages: 0,
    duplicates: 0,
    stale: 0,
    historyConflicts: 0,
    rejected: 0,
    failedRequests: 0,
    droppedAnswers: 0,
    replayed: 0,
    logins: 0,
    submitted: 0,
    confirmations: 0,
    downloads: 0,
  };
  const inbound = new Map<string, PortalSubmitted>();
  /** The national procedure database as the simulator holds it, by MaTTHC (kept in the order given). */
  const national = new Map<string, NationalProcedure>();
  const files = new Map<string, { bytes: Buffer; contentType: string }>();
  let inboundSeq = 0;
  let baseUrl = '';

  const submit = (b: PortalSubmitBody): PortalInboundDossier => {
    const seq = ++inboundSeq;
    const portalId = b.MaHoSoQG || `G22.${String(seq).padStart(6, '0')}`;
    if (inbound.has(portalId)) throw new Error(`MaHoSoQG ${portalId} already filed`);
    const d: PortalInboundDossier = {
      MaHoSoQG: portalId,
      MaTTHC: b.MaTTHC ?? '',
      MaDonViTiepNhan: b.MaDonViTiepNhan ?? '',
      MaXa: b.MaXa ?? '',
      ChuHoSo: b.ChuHoSo ?? '',
      MaDoiTuong: b.MaDoiTuong ?? '',
      SoDienThoai: b.SoDienThoai ?? '',
      Email: b.Email ?? '',
      DiaChiThuongTru: b.DiaChiThuongTru ?? '',
      TrichYeuHoSo: b.TrichYeuHoSo ?? '',
      NgayNopHoSo: b.NgayNopHoSo || portalDate(new Date()),
      TaiKhoanDuocXacThucVoiVNeID: b.TaiKhoanDuocXacThucVoiVNeID === 1 ? 1 : 0,
      TaiLieuNop: (b.TaiLieuNop ?? []).map((f, i) => {
        const id = `${portalId}-${i + 1}`;
        files.set(id, { bytes: Buffer.from(f.base64, 'base64'), contentType: f.contentType ?? 'application/pdf' });
        return {
          MaThanhPhanHoSo: f.MaThanhPhanHoSo,
          TenTepDinhKem: f.TenTepDinhKem,
          DuongDanTaiTepTin: `${baseUrl}/files/${encodeURIComponent(id)}`,
        };
      }),
    };
    inbound.set(portalId, { dossier: d, seq, confirmedAs: null, confirmedAt: null, confirmations: 0 });
    counts.submitted++;
    return d;
  };

  /** What the citizen's portal account shows of a dossier filed there: the province's code, status and history, as synced. */
  const provinceView = (h: PortalSubmitted) => {
    const synced = h.confirmedAs ? held.get(h.confirmedAs)?.dossier : undefined;
    return {
      MaHoSo: h.confirmedAs,
      TrangThaiHoSo: synced?.TrangThaiHoSo ?? null,
      NgayHenTra: synced?.NgayHenTra ?? null,
      QuaTrinhXuLy: synced?.QuaTrinhXuLy ?? [],
    };
  };

  const take = (d: PortalDossier) => {
    const now = Date.now();
    const h = held.get(d.MaHoSo);
    counts.messages++;
    if (!h) {
      held.set(d.MaHoSo, { dossier: d, received: 1, duplicates: 0, stale: 0, historyConflicts: 0, firstAt: now, updatedAt: now });
      counts.dossiers++;
      return;
    }
    h.received++;
    if (d.PhienBan === h.dossier.PhienBan) {
      h.duplicates++;
      counts.duplicates++;
      return;
    }
    if (d.PhienBan < h.dossier.PhienBan) {
      h.stale++;
      counts.stale++;
      return;
    }
    // A later message must extend the history held: the same entries first, in the same order.
    const before = h.dossier.QuaTrinhXuLy;
    const prefix = d.QuaTrinhXuLy.slice(0, before.length);
    if (JSON.stringify(prefix) !== JSON.stringify(before)) {
      h.historyConflicts++;
      counts.historyConflicts++;
    }
    h.dossier = d;
    h.updatedAt = now;
  };

  const sessionOk = (s: unknown) => {
    if (typeof s !== 'string') return false;
    const until = sessions.get(s);
    if (until === undefined) return false;
    if (until < Date.now()) {
      sessions.delete(s);
      return false;
    }
    return true;
  };

  const handle = async (
    method: string,
    pathname: string,
    body: unknown,
    query: URLSearchParams = new URLSearchParams(),
  ): Promise<{ status: number; json?: unknown; cut?: boolean; bin?: { bytes: Buffer; contentType: string } }> => {
    if (pathname.startsWith('/_sim/')) {
      if (method === 'POST' && pathname === '/_sim/submit') {
        try {
          return { status: 200, json: submit((body ?? {}) as PortalSubmitBody) };
        } catch (e) {
          return { status: 409, json: { error: (e as Error).message } };
        }
      }
      if (method === 'GET' && pathname.startsWith('/_sim/submitted/')) {
        const h = inbound.get(decodeURIComponent(pathname.slice('/_sim/submitted/'.length)));
        return h ? { status: 200, json: { ...h, province: provinceView(h) } } : { status: 404, json: { error: 'not filed' } };
      }
      // A citizen's portal account: what they filed there, each with the province's code and status as synced.
      if (method === 'GET' && pathname.startsWith('/_sim/accounts/')) {
        const idNumber = decodeURIComponent(pathname.slice('/_sim/accounts/'.length));
        const mine = [...inbound.values()].filter((h) => h.dossier.MaDoiTuong === idNumber).sort((x, y) => x.seq - y.seq);
        return { status: 200, json: mine.map((h) => ({ MaHoSoQG: h.dossier.MaHoSoQG, MaTTHC: h.dossier.MaTTHC, ...provinceView(h) })) };
      }
      // The national procedure database: replaced (PUT) or amended one procedure at a time (POST), read back (GET).
      if (pathname === '/_sim/procedures') {
        if (method === 'GET') return { status: 200, json: [...national.values()] };
        const list = Array.isArray(body) ? (body as NationalProcedure[]) : [body as NationalProcedure];
        if (list.some((p) => !p || typeof p.MaTTHC !== 'string' || !p.MaTTHC))
          return { status: 400, json: { error: 'each procedure needs its MaTTHC' } };
        if (method === 'PUT') national.clear();
        for (const p of list) national.set(p.MaTTHC, p);
        return { status: 200, json: { procedures: national.size } };
      }
      if (method === 'GET' && pathname === '/_sim/stats') return { status: 200, json: { ...counts, faults } };
      // Every dossier held and its PhienBan, for a count against the sender's own (benchmarks, reconciliation drills).
      if (method === 'GET' && pathname === '/_sim/versions')
        return { status: 200, json: Object.fromEntries([...held].map(([code, h]) => [code, h.dossier.PhienBan])) };
      if (method === 'GET' && pathname.startsWith('/_sim/dossiers/')) {
        const h = held.get(decodeURIComponent(pathname.slice('/_sim/dossiers/'.length)));
        return h ? { status: 200, json: h } : { status: 404, json: { error: 'not held' } };
      }
      if (method === 'POST' && pathname === '/_sim/faults') {
        const b = (body ?? {}) as Partial<PortalFaults> & { downForMs?: number };
        if (typeof b.downForMs === 'number') faults.downUntil = Date.now() + b.downForMs;
        for (const k of Object.keys(DEFAULT_FAULTS) as (keyof PortalFaults)[])
          if (b[k] !== undefined) (faults as unknown as Record<string, unknown>)[k] = b[k];
        return { status: 200, json: faults };
      }
      if (method === 'POST' && pathname === '/_sim/expire-sessions') {
        sessions.clear();
        return { status: 200, json: { ok: true } };
      }
      if (method === 'POST' && pathname === '/_sim/reset') {
        held.clear();
        inbound.clear();
        national.clear();
        files.clear();
        inboundSeq = 0;
        for (const k of Object.keys(counts) as (keyof PortalSimulatorStats)[]) counts[k] = 0;
        Object.assign(faults, DEFAULT_FAULTS);
        return { status: 200, json: { ok: true } };
      }
      return { status: 404, json: { error: 'unknown simulator path' } };
    }
    counts.requests++;
    if (Date.now() < faults.downUntil)
      return faults.downMode === 'reset' ? { status: 0, cut: true } : { status: 503, json: { message: 'Service Unavailable' } };
    if (faults.slowMs) await new Promise((r) => setTimeout(r, faults.slowMs));
    if (faults.failRate && roll() < faults.failRate) {
      counts.failedRequests++;
      return { status: 500, json: { message: 'Internal Server Error' } };
    }
    if (method === 'GET' && pathname.startsWith('/files/')) {
      if (!sessionOk(query.get('session'))) return { status: 401, json: { message: 'session expired' } };
      const f = files.get(decodeURIComponent(pathname.slice('/files/'.length)));
      if (!f) return { status: 404, json: { message: 'no such file' } };
      counts.downloads++;
      return { status: 200, bin: f };
    }
    if (method !== 'POST') return { status: 405, json: { error_code: PORTAL_ERRORS.invalid, message: 'POST only' } };
    const b = (body ?? {}) as Record<string, unknown>;
    if (pathname === '/api/auth') {
      if (typeof b.username !== 'string' || accounts[b.username] !== b.password)
        return {
          status: 200,
          json: { error_code: PORTAL_ERRORS.invalid, message: 'Sai tài khoản hoặc mật khẩu / wrong account or password' },
        };
      const session = crypto.randomBytes(18).toString('base64url');
      sessions.set(session, Date.now() + faults.sessionTtlMs);
      counts.logins++;
      return { status: 200, json: { error_code: PORTAL_ERRORS.ok, session } };
    }
    if (pathname !== '/api/integration') return { status: 404, json: { error_code: PORTAL_ERRORS.invalid, message: 'unknown path' } };
    if (!sessionOk(b.session))
      return { status: 200, json: { error_code: PORTAL_ERRORS.session, message: 'Phiên làm việc hết hạn / session expired' } };
    if (typeof b.madonvi !== 'string' || !b.madonvi)
      return { status: 200, json: { error_code: PORTAL_ERRORS.invalid, message: 'madonvi is required' } };
    if (b.service === PORTAL_SERVICES.lookup) {
      const h = typeof b.mahoso === 'string' ? held.get(b.mahoso) : undefined;
      const a: PortalLookupAnswer = { error_code: PORTAL_ERRORS.ok, result: h ? [h.dossier] : [] };
      return { status: 200, json: a };
    }
    if (b.service === PORTAL_CATALOG_SERVICES.list) {
      const after = b.cursor === '' || b.cursor === undefined ? 0 : Number(b.cursor);
      const limit = Number(b.limit ?? 200);
      if (!Number.isInteger(after) || after < 0 || !Number.isInteger(limit) || limit < 1 || limit > 200)
        return { status: 200, json: { error_code: PORTAL_ERRORS.invalid, message: 'cursor must be a page cursor, limit 1 to 200' } };
      const all = [...national.values()];
      const page = all.slice(after, after + limit);
      const a: PortalCatalogListAnswer = {
        error_code: PORTAL_ERRORS.ok,
        result: page,
        next: after + limit < all.length ? String(after + limit) : '',
      };
      return { status: 200, json: a };
    }
    if (b.service === PORTAL_INBOUND_SERVICES.listNew) {
      const after = b.cursor === '' || b.cursor === undefined ? 0 : Number(b.cursor);
      const limit = Number(b.limit ?? 100);
      if (!Number.isInteger(after) || after < 0 || !Number.isInteger(limit) || limit < 1 || limit > 100)
        return { status: 200, json: { error_code: PORTAL_ERRORS.invalid, message: 'cursor must be a page cursor, limit 1 to 100' } };
      const open = [...inbound.values()].filter((h) => !h.confirmedAs && h.seq > after).sort((x, y) => x.seq - y.seq);
      const page = open.slice(0, limit);
      const a: PortalListNewAnswer = {
        error_code: PORTAL_ERRORS.ok,
        result: page.map((h) => h.dossier),
        next: open.length > limit ? String(page[page.length - 1]!.seq) : '',
      };
      return { status: 200, json: a };
    }
    if (b.service === PORTAL_INBOUND_SERVICES.confirm) {
      const h = typeof b.MaHoSoQG === 'string' ? inbound.get(b.MaHoSoQG) : undefined;
      let a: PortalConfirmAnswer;
      if (!h) a = { error_code: PORTAL_ERRORS.invalid, message: 'MaHoSoQG không tồn tại / unknown portal dossier' };
      else if (typeof b.MaHoSo !== 'string' || !b.MaHoSo) a = { error_code: PORTAL_ERRORS.invalid, message: 'MaHoSo is required' };
      else if (h.confirmedAs && h.confirmedAs !== b.MaHoSo)
        a = { error_code: PORTAL_ERRORS.invalid, message: `already confirmed as ${h.confirmedAs}` };
      else {
        h.confirmations++;
        counts.confirmations++;
        h.confirmedAs = b.MaHoSo;
        h.confirmedAt ??= Date.now();
        a = { error_code: PORTAL_ERRORS.ok, message: 'Thành công' };
      }
      if (faults.dropAnswerRate && roll() < faults.dropAnswerRate) {
        counts.droppedAnswers++;
        return { status: 502, json: { message: 'Bad Gateway' } };
      }
      return { status: 200, json: a };
    }
    if (b.service !== PORTAL_SERVICES.sync)
      return { status: 200, json: { error_code: PORTAL_ERRORS.invalid, message: `unknown service ${String(b.service)}` } };
    if (b.isUpdating !== 'True' && b.isUpdating !== 'False')
      return { status: 200, json: { error_code: PORTAL_ERRORS.invalid, message: 'isUpdating must be "True" or "False"' } };
    if (!Array.isArray(b.data) || b.data.length === 0 || b.data.length > 500)
      return { status: 200, json: { error_code: PORTAL_ERRORS.invalid, message: 'data must be an array of 1 to 500 dossiers' } };
    const updating = b.isUpdating === 'True';
    const result: PortalItemAnswer[] = [];
    const apply = () => {
      result.length = 0;
      for (const d of b.data as unknown[]) {
        const code = (d as { MaHoSo?: unknown })?.MaHoSo;
        const why = invalidReason(d, faults.rejectProcedures);
        if (why) {
          counts.rejected++;
          result.push({ MaHoSo: typeof code === 'string' ? code : '', error_code: PORTAL_ERRORS.invalid, message: why });
        } else if (updating && !held.has(code as string)) {
          counts.rejected++;
          result.push({
            MaHoSo: code as string,
            error_code: PORTAL_ERRORS.invalid,
            message: 'Hồ sơ chưa được đồng bộ / dossier not synced yet (send with isUpdating "False")',
          });
        } else {
          take(d as PortalDossier);
          result.push({ MaHoSo: code as string, error_code: PORTAL_ERRORS.ok });
        }
      }
    };
    apply();
    if (faults.duplicateRate && roll() < faults.duplicateRate) {
      counts.replayed++;
      apply();
    }
    if (faults.dropAnswerRate && roll() < faults.dropAnswerRate) {
      counts.droppedAnswers++;
      return { status: 502, json: { message: 'Bad Gateway' } };
    }
    const a: PortalSyncAnswer = { error_code: PORTAL_ERRORS.ok, message: 'Thành công', result };
    return { status: 200, json: a };
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      let body: unknown = undefined;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text) {
        try {
          body = JSON.parse(text);
        } catch {
          res
            .writeHead(400, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error_code: PORTAL_ERRORS.invalid, message: 'body is not JSON' }));
          return;
        }
      }
      const u = new URL(req.url ?? '/', 'http://sim');
      handle(req.method ?? 'GET', u.pathname, body, u.searchParams).then(
        (r) => {
          if (r.cut) return void req.socket.destroy();
          if (r.bin) return void res.writeHead(r.status, { 'content-type': r.bin.contentType }).end(r.bin.bytes);
          res.writeHead(r.status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(r.json));
        },
        (e: unknown) => res.writeHead(500).end(String(e)),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${opts.host ?? '127.0.0.1'}:${port}`;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    port,
    faults,
    stats: () => ({ ...counts }),
    dossier: (code) => held.get(code),
    submit,
    submitted: (portalId) => inbound.get(portalId),
    expireSessions: () => sessions.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

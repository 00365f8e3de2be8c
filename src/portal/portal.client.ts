import {
  PORTAL_CATALOG_SERVICES,
  PORTAL_ERRORS,
  PORTAL_INBOUND_SERVICES,
  type NationalProcedure,
  type PortalCatalogListAnswer,
  PORTAL_SERVICES,
  type PortalConfirmAnswer,
  type PortalInboundDossier,
  type PortalListNewAnswer,
  type PortalDossier,
  type PortalItemAnswer,
  type PortalLoginAnswer,
  type PortalLookupAnswer,
  type PortalSyncAnswer,
} from './portal.contract.js';

/** Where the portal is and the province system's account there (configuration; the adapter never knows whether it talks to the simulator). */
export interface PortalEndpoint {
  /** e.g. https://api.dichvucong.gov.vn (the real one) or http://127.0.0.1:3101 (the simulator). */
  baseUrl: string;
  authPath: string;
  integrationPath: string;
  username: string;
  password: string;
  /** The province's unit code at the portal (madonvi), or how to find it (the province unit's agency code). */
  unitCode: string | (() => Promise<string>);
  /** One request's time limit. */
  timeoutMs: number;
}

/** A portal file that will not come however often it is asked: not on the portal's origin, or gone (404, 410). */
export class PortalFileUnusable extends Error {
  override name = 'PortalFileUnusable';
}

/** The portal could not be reached or did not answer as the contract says: nothing was taken; try later. */
export class PortalUnavailable extends Error {
  override name = 'PortalUnavailable';
}

/** What a sync request delivers to, whatever is on the other side. */
export interface PortalGateway {
  /** Sends dossiers; the portal's answer per dossier (error_code 0: taken). Throws PortalUnavailable. */
  sync(dossiers: PortalDossier[], isUpdating: boolean): Promise<PortalItemAnswer[]>;
  /** The dossier as the portal holds it, or null. Throws PortalUnavailable. */
  lookup(code: string): Promise<PortalDossier | null>;
  /** One page of the portal's dossiers not yet confirmed, and the next cursor ('' at the end). Throws PortalUnavailable. */
  listNew?(cursor: string, limit: number): Promise<{ dossiers: PortalInboundDossier[]; next: string }>;
  /** The bytes of one portal file (its DuongDanTaiTepTin). Throws PortalUnavailable, or PortalFileUnusable for a file that will not come. */
  download?(url: string): Promise<{ bytes: Uint8Array; contentType: string }>;
  /** One page of the national procedure database's procedures for the province, and the next cursor. Throws PortalUnavailable. */
  listProcedures?(cursor: string, limit: number): Promise<{ procedures: NationalProcedure[]; next: string }>;
  /** Tells the portal our dossier code for one of its dossiers; idempotent. Returns the portal's error_code. Throws PortalUnavailable. */
  confirm?(portalId: string, code: string): Promise<PortalConfirmAnswer>;
}

/** The DVCQG adapter: a session from the auth endpoint (renewed when the portal says it expired), then the integration endpoint. */
export class PortalClient implements PortalGateway {
  private session: string | null = null;

  constructor(private readonly endpoint: PortalEndpoint) {}

  private async post<T>(pathname: string, body: unknown): Promise<T> {
    const url = new URL(pathname, this.endpoint.baseUrl);
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.endpoint.timeoutMs),
      });
    } catch (e) {
      const reason = (e as Error).name === 'TimeoutError' ? `no answer within ${this.endpoint.timeoutMs} ms` : (e as Error).message;
      throw new PortalUnavailable(`portal unreachable (${url.host}): ${reason}`);
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) throw new PortalUnavailable(`portal answered HTTP ${res.status}${text ? `: ${text.slice(0, 120)}` : ''}`);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new PortalUnavailable(`portal answered HTTP ${res.status} with a body that is not JSON`);
    }
  }

  private async login(): Promise<string> {
    const a = await this.post<PortalLoginAnswer>(this.endpoint.authPath, {
      username: this.endpoint.username,
      password: this.endpoint.password,
    });
    if (a.error_code !== PORTAL_ERRORS.ok || !a.session)
      throw new PortalUnavailable(`portal refused the log-in (error_code ${a.error_code}${a.message ? `: ${a.message}` : ''})`);
    this.session = a.session;
    return a.session;
  }

  /** One call with the session, logging in first or again when the portal says the session is gone. */
  private async call<T extends { error_code: number; message?: string }>(body: Record<string, unknown>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const session = this.session ?? (await this.login());
      const u = this.endpoint.unitCode;
      const madonvi = typeof u === 'string' ? u : await u();
      const a = await this.post<T>(this.endpoint.integrationPath, { session, madonvi, ...body });
      if (a.error_code === PORTAL_ERRORS.session && attempt === 0) {
        this.session = null;
        continue;
      }
      return a;
    }
  }

  async sync(dossiers: PortalDossier[], isUpdating: boolean): Promise<PortalItemAnswer[]> {
    const a = await this.call<PortalSyncAnswer>({
      service: PORTAL_SERVICES.sync,
      isUpdating: isUpdating ? 'True' : 'False',
      data: dossiers,
    });
    if (a.error_code !== PORTAL_ERRORS.ok || !Array.isArray(a.result))
      throw new PortalUnavailable(`portal refused the request (error_code ${a.error_code}${a.message ? `: ${a.message}` : ''})`);
    return a.result;
  }

  async lookup(code: string): Promise<PortalDossier | null> {
    const a = await this.call<PortalLookupAnswer>({ service: PORTAL_SERVICES.lookup, mahoso: code });
    if (a.error_code !== PORTAL_ERRORS.ok) throw new PortalUnavailable(`portal refused the look-up (error_code ${a.error_code})`);
    return a.result?.[0] ?? null;
  }

  async listNew(cursor: string, limit: number): Promise<{ dossiers: PortalInboundDossier[]; next: string }> {
    const a = await this.call<PortalListNewAnswer>({ service: PORTAL_INBOUND_SERVICES.listNew, cursor, limit });
    if (a.error_code !== PORTAL_ERRORS.ok || !Array.isArray(a.result))
      throw new PortalUnavailable(
        `portal refused the list of new dossiers (error_code ${a.error_code}${a.message ? `: ${a.message}` : ''})`,
      );
    return { dossiers: a.result, next: a.next ?? '' };
  }

  async listProcedures(cursor: string, limit: number): Promise<{ procedures: NationalProcedure[]; next: string }> {
    const a = await this.call<PortalCatalogListAnswer>({ service: PORTAL_CATALOG_SERVICES.list, cursor, limit });
    if (a.error_code !== PORTAL_ERRORS.ok || !Array.isArray(a.result))
      throw new PortalUnavailable(`portal refused the procedure list (error_code ${a.error_code}${a.message ? `: ${a.message}` : ''})`);
    return { procedures: a.result, next: a.next ?? '' };
  }

  async confirm(portalId: string, code: string): Promise<PortalConfirmAnswer> {
    return this.call<PortalConfirmAnswer>({ service: PORTAL_INBOUND_SERVICES.confirm, MaHoSoQG: portalId, MaHoSo: code });
  }

  /** Downloads with the session as a query parameter, logging in again once when the portal answers 401. */
  async download(url: string): Promise<{ bytes: Uint8Array; contentType: string }> {
    for (let attempt = 0; ; attempt++) {
      const session = this.session ?? (await this.login());
      const u = new URL(url);
      // Our session goes only to the portal itself, never to an address a listed dossier names elsewhere.
      if (u.origin !== new URL(this.endpoint.baseUrl).origin)
        throw new PortalFileUnusable(`portal file URL is not on the portal (${u.host}): not fetched`);
      u.searchParams.set('session', session);
      let res: Response;
      try {
        res = await fetch(u, { signal: AbortSignal.timeout(this.endpoint.timeoutMs) });
      } catch (e) {
        throw new PortalUnavailable(`portal file unreachable (${u.host}): ${(e as Error).message}`);
      }
      if (res.status === 401 && attempt === 0) {
        this.session = null;
        continue;
      }
      if (res.status === 404 || res.status === 410) throw new PortalFileUnusable(`portal file answered HTTP ${res.status}`);
      if (!res.ok) throw new PortalUnavailable(`portal file answered HTTP ${res.status}`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      return { bytes, contentType: res.headers.get('content-type') ?? 'application/octet-stream' };
    }
  }
}

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';
import type { AuditKey } from '../platform/audit-chain.model.js';
import { requireRole, type Actor } from '../auth/auth.model.js';
import { byStaff, recordAudit } from '../audit/audit.service.js';
import { maskIdNumber } from '../dossiers/dossier.model.js';
import { DomainError } from '../platform/errors.js';
import { ID_NUMBER_PATTERN, type PopulationPerson } from '../vneid/vneid.contract.js';
import { VneidError } from '../vneid/vneid.client.js';

/** What the service needs of the population database: the VNeID adapter's look-up (VneidClient). */
export interface PopulationGateway {
  lookupPopulation(idNumber: string, consent: { purpose: string; consentRef: string }): Promise<PopulationPerson>;
}

export interface PopulationDeps {
  db: Kysely<DB>;
  clock: () => Date;
  auditKey: AuditKey;
  /** Absent: this installation is not connected to the population database (a 409 says so). */
  gateway: PopulationGateway | null;
}

/** The purpose sent with every look-up: receiving a dossier at the counter. */
export const COUNTER_PURPOSE = 'Tiếp nhận hồ sơ thủ tục hành chính tại Bộ phận Một cửa';

/**
 * Population database look-ups at the counter: the clerk types or scans an ID number and gets the person's name,
 * date of birth and permanent residence instead of typing them. Only with the citizen's consent, recorded: each
 * look-up has a consent reference sent to the database and kept in the audit trail (with the ID number masked,
 * found or not), so who read whom, when and on what consent can be shown.
 */
export class PopulationService {
  constructor(private readonly deps: PopulationDeps) {}

  async lookup(actor: Actor, input: { idNumber: string; consent: boolean }): Promise<PopulationPerson & { consentRef: string }> {
    requireRole(actor, 'clerk');
    const idNumber = input.idNumber.trim();
    if (!ID_NUMBER_PATTERN.test(idNumber))
      throw new DomainError('INVALID_ID_NUMBER', 'Số định danh cá nhân gồm đúng 12 chữ số / the ID number must be exactly 12 digits', {
        field: 'idNumber',
      });
    if (input.consent !== true)
      throw new DomainError(
        'VALIDATION',
        'Cần sự đồng ý của công dân trước khi tra cứu / the citizen must consent before the look-up (consent: true)',
        { field: 'consent' },
      );
    const gateway = this.deps.gateway;
    if (!gateway)
      throw new DomainError(
        'CONFLICT',
        'Hệ thống chưa kết nối Cơ sở dữ liệu quốc gia về dân cư / this installation is not connected to the population database',
      );
    const consentRef = randomUUID();
    let person: PopulationPerson | null = null;
    let failure: DomainError | null = null;
    try {
      person = await gateway.lookupPopulation(idNumber, { purpose: COUNTER_PURPOSE, consentRef });
    } catch (e) {
      if (!(e instanceof VneidError)) throw e;
      failure =
        e.code === 'not_found'
          ? new DomainError('NOT_FOUND', 'Không tìm thấy công dân trong CSDL dân cư / no such person in the population database')
          : e.code === 'invalid_id_number'
            ? new DomainError('INVALID_ID_NUMBER', 'Số định danh không hợp lệ / invalid ID number', { field: 'idNumber' })
            : new DomainError(
                'NATIONAL_SERVICE_UNAVAILABLE',
                'CSDL dân cư tạm thời không trả lời, vui lòng thử lại / the population database is not answering, try again',
                { retryAfterSeconds: 30 },
              );
    }
    // Every look-up the database answered is audited, found or not; one it never received is not a read.
    if (person || failure?.code === 'NOT_FOUND') {
      const at = this.deps.clock();
      await this.deps.db.transaction().execute((trx) =>
        recordAudit(
          trx,
          this.deps.auditKey,
          {
            ...byStaff(actor),
            action: 'population.lookup',
            entityType: 'person',
            entityId: maskIdNumber(idNumber),
            data: { consentRef, purpose: COUNTER_PURPOSE, found: person !== null },
          },
          at,
        ),
      );
    }
    if (failure) throw failure;
    return { ...person!, consentRef };
  }
}

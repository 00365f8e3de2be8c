import { describe, it, expect } from 'vitest';
import { newDossierStatement, type NewDossierWrite } from './dossier.repository.js';
import { AuditKey } from '../platform/audit-chain.model.js';

const key = AuditKey.generate();

function write(i: number, opts: { components?: number; note?: boolean } = {}): NewDossierWrite {
  const at = new Date(Date.UTC(2025, 2, 14, 3, i));
  return {
    counter: { prefix: '000.00.01.H40', day: '2025-03-14' },
    codePrefix: '000.00.01.H40-250314-',
    dossier: {
      version: 1,
      event_seq: 1,
      province_code: '37',
      procedure_id: 1,
      procedure_version_id: 2,
      channel: 1,
      status: 'received',
      portal_status: 2,
      receiving_unit_id: 2,
      competent_agency_id: 17,
      current_unit_id: 2,
      return_point_id: 2,
      applicant_id_number: `0370950${String(i).padStart(5, '0')}`,
      applicant_name: 'Nguyễn Văn An',
      applicant_phone: '0912345678',
      applicant_email: null,
      applicant_address: 'Thôn Hai',
      applicant_commune_code: '14002',
      fast_track: false,
      limit_value: 3,
      limit_unit: 'working-days',
      fee_total_vnd: 0,
      submitted_at: null,
      received_at: at,
      due_at: at,
      original_due_at: at,
      created_by: 1,
      created_at: at,
      updated_at: at,
      current_step: 0,
      paused_at: null,
      paused_ms: 0,
      supplement_count: 0,
      paid_at: null,
      decided_at: null,
      returned_at: null,
      late_flagged_at: null,
      apology_due_at: null,
      result_document_id: null,
      tracking_token: 'ABCDEFGHJKLM',
      duplicate_of: null,
      vneid_authenticated: false,
      paid_online: false,
      portal_id: null,
      notice_lang: 'vi',
    },
    components: ['TK', 'GCS', 'CCCD'].slice(0, opts.components ?? 2).map((code) => ({
      component_code: code,
      name_vi: code,
      form: 'original',
      count: 1,
      required: true,
      source: 'upload' as const,
      blob_sha256: 'a'.repeat(64),
      store_document_id: null,
      digitized: true,
      uploaded_by: 'unit:1',
    })),
    event: {
      province_code: '37',
      action: 'receive',
      from_status: null,
      to_status: 'received',
      actor_kind: 'staff',
      actor_id: 1,
      unit_id: 2,
      at,
      note: opts.note ? 'a note' : null,
      data: null,
    },
    step: { seq: 1, role: 'receive', from_unit_id: null, to_unit_id: 2, handed_by: 1, handed_at: at, due_at: at },
    audit: {
      key,
      entry: {
        actorKind: 'staff',
        actorId: 1,
        stream: 'unit:2',
        action: 'dossier.receive',
        entityType: 'dossier',
        data: { version: 1, status: 'received' },
      },
      at,
    },
  };
}

/** The highest $n of a statement text. */
const placeholders = (text: string) => Math.max(...[...text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));

describe('the intake statement', () => {
  it('is built once per shape of write and reused with each write’s own parameters', () => {
    const first = newDossierStatement(write(1));
    const second = newDossierStatement(write(2));
    expect(second.text).toBe(first.text);
    expect(second.params).toHaveLength(first.params.length);
    expect(placeholders(first.text)).toBe(first.params.length);
    // Parameters follow the columns: the applicant of the second write is where the first one's was.
    const at = first.params.indexOf('037095000001');
    expect(at).toBeGreaterThan(0);
    expect(second.params[at]).toBe('037095000002');
    expect(first.text).toContain(`"applicant_id_number"`);
  });

  it('gets its own text for another shape: other components, no first event', () => {
    const plain = newDossierStatement(write(3));
    const three = newDossierStatement(write(4, { components: 3 }));
    const { event: _e, ...noEventWrite } = write(5);
    const noEvent = newDossierStatement(noEventWrite);
    expect(three.text).not.toBe(plain.text);
    expect(noEvent.text).not.toBe(plain.text);
    expect(noEvent.text).not.toContain('dossier_events');
    for (const s of [three, noEvent]) expect(placeholders(s.text)).toBe(s.params.length);
    // A null is a value written, not another shape.
    expect(newDossierStatement(write(6, { note: true })).text).toBe(plain.text);
  });

  it('writes every column and reads back only the id and the code', () => {
    const { text } = newDossierStatement(write(7));
    expect(text).toContain('"paused_ms"');
    expect(text).toContain('"result_document_id"');
    expect(text).toMatch(/\nselect d\.id, d\.code, c\.last as seq_taken from d, c$/);
  });

  it('refusing a duplicate, looks for an open one first and makes every write depend on finding none', () => {
    const plain = newDossierStatement(write(8));
    const refuse = newDossierStatement({ ...write(8), duplicates: 'refuse', closeIntakes: { staffId: 1, at: new Date(0) } });
    expect(refuse.text).not.toBe(plain.text);
    expect(placeholders(refuse.text)).toBe(refuse.params.length);
    // The applicant and procedure of the lookup are the dossier's own parameters.
    const idAt = refuse.params.indexOf('037095000008') + 1;
    const procedureAt = 4 + Object.keys(write(8).dossier).indexOf('procedure_id');
    expect(refuse.text).toContain(`where applicant_id_number = $${idAt}::text and procedure_id = $${procedureAt}::int`);
    expect(refuse.params[procedureAt - 1]).toBe(1);
    // No number taken, no audit entry, no intake closed, when one is found.
    expect(refuse.text).toContain('where not exists (select 1 from dup)');
    expect(refuse.text).toMatch(/select .* where exists \(select 1 from d\)\s+on conflict \(stream\)/s);
    // The intake parameters come after the step's, before the audit entry's: the time, then the clerk.
    const { audit: _audit, ...noAudit } = write(8);
    const beforeAudit = newDossierStatement({ ...noAudit, duplicates: 'refuse', closeIntakes: { staffId: 1, at: new Date(0) } }).params
      .length;
    expect(refuse.text).toContain(`update intakes i set closed_at = $${beforeAudit - 1}::timestamptz, dossier_id = d.id from d`);
    expect(refuse.text).toContain(`where i.staff_id = $${beforeAudit}::int and i.id_number = $${idAt}::text and i.closed_at is null`);
    expect(refuse.params[beforeAudit - 1]).toBe(1);
    expect(refuse.text).toMatch(/dup\.code as dup_code.*left join dup on true$/s);
  });

  it('marking a duplicate, writes duplicate_of from the open dossier it finds', () => {
    const mark = newDossierStatement({ ...write(9), duplicates: 'mark' });
    expect(placeholders(mark.text)).toBe(mark.params.length);
    expect(mark.text).toMatch(/"code", "duplicate_of"\) select .*, \(select code from dup\) from c/);
    // The row's own duplicate_of value is not a parameter then.
    expect(mark.params.length).toBe(newDossierStatement(write(9)).params.length - 1);
    expect(mark.text).not.toContain('not exists (select 1 from dup)');
  });
});

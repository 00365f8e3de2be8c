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
    expect(text).toMatch(/\nselect d\.id, d\.code, \(select last from c\) as seq_taken from d$/);
  });
});

import { sql, type Kysely } from 'kysely';

/** The applicant's data of every inserted dossier: an export must show none of it. */
export const LATE_APPLICANT = { idNumber: '037099888777', phone: '0987654321', name: 'Trần Thị Mẫu' };

/**
 * Inserts `n` dossiers decided late, straight in one SQL statement (no events, so the rollups do not count them;
 * the costly list reads the dossiers themselves): received at `pointId`, decided by `agencyId`, over `days` local
 * days from `firstDay`, each day's at 09:00 Vietnam time plus a minute per `tie` dossiers (so that `tie` dossiers
 * share each instant, as a batch of decisions would). Codes are `<prefix>-<yymmdd>-<nnnn>`; at most 9,999 a day.
 */
export async function insertLateDossiers(
  db: Kysely<any>,
  o: { n: number; pointId: number; agencyId: number; procedureCode: string; firstDay: string; days: number; tie: number; prefix: string },
): Promise<void> {
  if (Math.ceil(o.n / o.days) > 9999) throw new Error('insertLateDossiers: at most 9,999 dossiers a day');
  await sql`
    with v as (
      select p.id as procedure_id, v.id as version_id from procedures p join procedure_versions v on v.procedure_id = p.id
      where p.code = ${o.procedureCode} order by v.effective_from desc limit 1
    ), s as (
      select i, i % ${o.days} as day_no, i / ${o.days} as seq,
        (${o.firstDay}::date + (i % ${o.days}))::timestamp at time zone 'UTC' - interval '7 hours' + interval '9 hours'
          + ((i / ${o.days}) / ${o.tie}) * interval '1 minute' as decided_at
      from generate_series(0, ${o.n - 1}) i
    )
    insert into dossiers (code, province_code, procedure_id, procedure_version_id, channel, status, portal_status,
      receiving_unit_id, competent_agency_id, return_point_id, applicant_id_number, applicant_name, applicant_phone,
      applicant_address, applicant_commune_code, limit_value, limit_unit, received_at, due_at, original_due_at, decided_at)
    select ${o.prefix} || '-' || to_char(${o.firstDay}::date + s.day_no, 'YYMMDD') || '-' || lpad((s.seq + 1)::text, 4, '0'),
      '37', v.procedure_id, v.version_id, 1, 'result_ready', 9,
      ${o.pointId}, ${o.agencyId}, ${o.pointId}, ${LATE_APPLICANT.idNumber}, ${LATE_APPLICANT.name}, ${LATE_APPLICANT.phone},
      'Số 9 Lê Lợi', '14002', 1, 'working-days', s.decided_at - interval '3 days', s.decided_at - interval '1 day',
      s.decided_at - interval '1 day', s.decided_at
    from s cross join v`.execute(db);
}

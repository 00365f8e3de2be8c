import { sql, type Kysely } from 'kysely';

/**
 * Fees and payments (src/payments/).
 *
 * - `dossier_fees`: the fee lines a dossier owes — those of its procedure at receipt (stage `receipt`, or `return`
 *   for what is collected with the result), and the amounts assessed while processing (`processing`: a tax, a fee
 *   set by the file). The dossier's `fee_total_vnd` is their sum.
 * - `payments`: one row per attempt to pay, online through the gateway (`txn_ref` is the gateway's vnp_TxnRef,
 *   unique per attempt) or at the counter (cash or card, recorded by the clerk), each with its e-receipt number once
 *   paid, and its refund when processing stops. Only the gateway's signed server-to-server callback (IPN) or the
 *   daily reconciliation's query moves an online payment to paid.
 * - `payment_callbacks`: every IPN received, valid or not, with our answer: the evidence of what the gateway said.
 * - `payment_reconciliations`: one row per day reconciled against the gateway's query API, with what differed.
 * - `dossiers.paid_online`: the dossier's fees were paid online (indicator 3.6; the portal's DuocThanhToanTrucTuyen).
 * - Two more rollup counters for indicator 3.6 (decided dossiers with fees, and of them paid online); the rollups
 *   are derived again from the events, as 20261205T0800 did.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table dossiers add column paid_online boolean not null default false`.execute(db);
  await sql`
    create table payments (
      id bigint generated always as identity primary key,
      dossier_id bigint not null references dossiers(id),
      txn_ref text not null unique,
      method text not null check (method in ('online', 'counter')),
      amount_vnd bigint not null check (amount_vnd > 0),
      status text not null check (status in ('pending', 'paid', 'failed', 'expired', 'refund_pending', 'refunded')),
      created_at timestamptz not null,
      expires_at timestamptz,
      created_by integer references staff(id),
      paid_at timestamptz,
      settled_by text check (settled_by in ('ipn', 'query', 'counter')),
      transaction_no text,
      bank_code text,
      response_code text,
      receipt_no text unique,
      refund_amount_vnd bigint check (refund_amount_vnd > 0),
      refund_reason text,
      refund_requested_at timestamptz,
      refund_attempts integer not null default 0,
      refund_next_at timestamptz,
      refund_error text,
      refunded_at timestamptz,
      refund_transaction_no text,
      check ((status in ('paid', 'refund_pending', 'refunded')) = (paid_at is not null)),
      check ((status in ('refund_pending', 'refunded')) = (refund_requested_at is not null))
    )`.execute(db);
  await sql`create index payments_dossier_idx on payments (dossier_id)`.execute(db);
  await sql`create index payments_created_by_idx on payments (created_by)`.execute(db);
  await sql`create index payments_refund_due_idx on payments (refund_next_at) where status = 'refund_pending'`.execute(db);
  await sql`create index payments_pending_idx on payments (created_at) where status = 'pending'`.execute(db);
  await sql`
    create table dossier_fees (
      id bigint generated always as identity primary key,
      dossier_id bigint not null references dossiers(id),
      stage text not null check (stage in ('receipt', 'processing', 'return')),
      name_vi text not null,
      name_en text not null,
      amount_vnd bigint not null check (amount_vnd >= 0),
      created_at timestamptz not null,
      created_by integer references staff(id)
    )`.execute(db);
  await sql`create index dossier_fees_dossier_idx on dossier_fees (dossier_id)`.execute(db);
  await sql`create index dossier_fees_created_by_idx on dossier_fees (created_by)`.execute(db);
  // The lines of the dossiers that exist: their procedure's fees, as fee_total_vnd counted them at receipt.
  await sql`
    insert into dossier_fees (dossier_id, stage, name_vi, name_en, amount_vnd, created_at)
    select d.id, 'receipt', f->>'nameVi', f->>'nameEn', (f->>'amountVnd')::bigint, coalesce(d.received_at, d.created_at)
    from dossiers d
    join procedure_versions v on v.id = d.procedure_version_id
    cross join lateral jsonb_array_elements(coalesce(v.body->'fees', '[]'::jsonb)) f
    where d.fee_total_vnd > 0
      and (f->>'when' is null or f->>'when' = case when d.channel = 2 then 'online' else 'counter' end)`.execute(db);
  await sql`
    create table payment_callbacks (
      id bigint generated always as identity primary key,
      received_at timestamptz not null,
      txn_ref text,
      valid boolean not null,
      rsp_code text not null,
      applied text check (applied in ('paid', 'failed')),
      params jsonb not null
    )`.execute(db);
  await sql`create index payment_callbacks_ref_idx on payment_callbacks (txn_ref)`.execute(db);
  await sql`
    create table payment_reconciliations (
      day date primary key,
      run_at timestamptz not null,
      checked integer not null,
      matched integer not null,
      corrected integer not null,
      mismatches jsonb not null
    )`.execute(db);
  for (const table of ['kpi_daily', 'kpi_grains'])
    for (const c of ['decided_with_fees', 'decided_paid_online'])
      await sql`alter table ${sql.table(table)} add column ${sql.id(c)} integer not null default 0`.execute(db);
  await sql`delete from kpi_daily`.execute(db);
  await sql`delete from kpi_grains`.execute(db);
  await sql`delete from kpi_clerk_daily`.execute(db);
  await sql`delete from kpi_overdue`.execute(db);
  await sql`update kpi_cursor set applied_xmin = '0'::xid8, rows_applied = 0 where id = 1`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['kpi_daily', 'kpi_grains'])
    for (const c of ['decided_with_fees', 'decided_paid_online'])
      await sql`alter table ${sql.table(table)} drop column ${sql.id(c)}`.execute(db);
  await sql`drop table payment_reconciliations`.execute(db);
  await sql`drop table payment_callbacks`.execute(db);
  await sql`drop table dossier_fees`.execute(db);
  await sql`drop table payments`.execute(db);
  await sql`alter table dossiers drop column paid_online`.execute(db);
}

import { sql, type Kysely } from 'kysely';

/**
 * Citizens' feedback and petitions (phản ánh, kiến nghị — PAKN), src/feedback/:
 * - `feedback`: one complaint or petition, with its public code (PAKN-yymmdd-NNNN), the hash of the secret its sender
 *   follows it with, its subject (a procedure, a dossier, a unit, or a clerk's conduct), the competent unit it is
 *   routed to, its state, and the deadline of each stage as it was computed at receipt (refuse within 2 working days,
 *   first request for information within 5, answer within 15) or at the answer (publish within 2);
 * - `feedback_events`: its timeline (state changes, assignments, internal notes, escalations), in order;
 * - `feedback_attachments`: up to 3 stored files (blobs) sent with it;
 * - `feedback_reactions`: one like or dislike per voter (a citizen account, or a client address) on a published answer;
 * - `feedback_code_counters`: the daily sequence of the public codes.
 * `dossier_id` is indexed: a dossier with feedback about it counts against indicator 5.4.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table feedback_code_counters (
      day text primary key check (day ~ '^[0-9]{6}$'),
      last integer not null
    )`.execute(db);
  await sql`
    create table feedback (
      id serial primary key,
      code text not null unique check (code ~ '^PAKN-[0-9]{6}-[0-9]{4}$'),
      secret_hash text not null check (secret_hash ~ '^[0-9a-f]{64}$'),
      channel text not null check (channel in ('portal', 'tracking', 'counter', 'hotline')),
      subject_kind text not null check (subject_kind in ('procedure', 'dossier', 'unit', 'staff_conduct')),
      procedure_id integer references procedures(id),
      dossier_id bigint references dossiers(id),
      subject_unit_id integer references units(id),
      staff_name text check (char_length(staff_name) <= 120),
      category text not null check (category in ('procedure_rules', 'dossier_delay', 'staff_conduct', 'facilities', 'other')),
      title text not null check (char_length(title) between 5 and 200),
      content text not null check (char_length(content) between 10 and 5000),
      sender_name text check (char_length(sender_name) <= 120),
      sender_phone text check (sender_phone ~ '^0[0-9]{9}$'),
      sender_email text check (char_length(sender_email) <= 254),
      citizen_account_id integer references citizen_accounts(id),
      publish_consent boolean not null,
      notice_lang text not null default 'vi' check (notice_lang in ('vi', 'en')),
      status text not null check (status in ('received', 'info_requested', 'processing', 'refused', 'answered', 'published', 'closed')),
      unit_id integer not null references units(id),
      assignee_id integer references staff(id),
      recorded_by integer references staff(id),
      received_at timestamptz not null,
      refuse_due_at timestamptz not null,
      info_due_at timestamptz not null,
      answer_due_at timestamptz not null,
      publish_due_at timestamptz,
      first_info_requested_at timestamptz,
      refused_at timestamptz,
      refusal_reason text,
      draft_answer text,
      answered_at timestamptz,
      answered_by integer references staff(id),
      answer text,
      published_at timestamptz,
      closed_at timestamptz,
      escalated_stage text check (escalated_stage in ('triage', 'answer', 'publish')),
      escalated_at timestamptz,
      repeat_of_id integer references feedback(id),
      event_seq integer not null default 0,
      check ((subject_kind in ('procedure', 'dossier')) = (procedure_id is not null)),
      check ((subject_kind = 'dossier') = (dossier_id is not null)),
      check (subject_kind not in ('unit', 'staff_conduct') or subject_unit_id is not null),
      check ((status = 'refused') = (refused_at is not null)),
      check ((answered_at is null) = (answer is null)),
      check (status not in ('answered', 'published', 'closed') or answered_at is not null),
      check ((status = 'published') = (published_at is not null)),
      check (published_at is null or publish_consent),
      check (repeat_of_id is null or repeat_of_id <> id)
    )`.execute(db);
  await sql`create index feedback_dossier_idx on feedback (dossier_id) where dossier_id is not null`.execute(db);
  await sql`create index feedback_procedure_idx on feedback (procedure_id)`.execute(db);
  await sql`create index feedback_subject_unit_idx on feedback (subject_unit_id)`.execute(db);
  await sql`create index feedback_unit_status_idx on feedback (unit_id, status)`.execute(db);
  await sql`create index feedback_assignee_idx on feedback (assignee_id)`.execute(db);
  await sql`create index feedback_recorded_by_idx on feedback (recorded_by)`.execute(db);
  await sql`create index feedback_answered_by_idx on feedback (answered_by)`.execute(db);
  await sql`create index feedback_citizen_idx on feedback (citizen_account_id)`.execute(db);
  await sql`create index feedback_repeat_of_idx on feedback (repeat_of_id)`.execute(db);
  await sql`create index feedback_published_idx on feedback (published_at desc) where published_at is not null`.execute(db);

  await sql`
    create table feedback_events (
      feedback_id integer not null references feedback(id),
      seq integer not null,
      action text not null,
      from_status text,
      to_status text not null,
      staff_id integer references staff(id),
      at timestamptz not null,
      note text,
      internal boolean not null,
      primary key (feedback_id, seq)
    )`.execute(db);
  await sql`create index feedback_events_staff_idx on feedback_events (staff_id)`.execute(db);

  await sql`
    create table feedback_attachments (
      feedback_id integer not null references feedback(id),
      position smallint not null check (position between 1 and 3),
      blob_sha256 text not null references blobs(sha256),
      primary key (feedback_id, position),
      unique (feedback_id, blob_sha256)
    )`.execute(db);
  await sql`create index feedback_attachments_blob_idx on feedback_attachments (blob_sha256)`.execute(db);

  await sql`
    create table feedback_reactions (
      feedback_id integer not null references feedback(id),
      voter text not null check (voter ~ '^(citizen:[0-9]+|client:[0-9a-f]{64})$'),
      reaction text not null check (reaction in ('like', 'dislike')),
      at timestamptz not null,
      primary key (feedback_id, voter)
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['feedback_reactions', 'feedback_attachments', 'feedback_events', 'feedback', 'feedback_code_counters'])
    await sql`drop table if exists ${sql.table(t)}`.execute(db);
}

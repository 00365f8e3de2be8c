import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** timestamptz: read as Date, written as Date or ISO string. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type TimestampDefault = ColumnType<Date, Date | string | undefined, Date | string>;
type Json = ColumnType<unknown, string, string>;

export interface UnitTable {
  id: Generated<number>;
  key: string;
  province_code: string;
  parent_id: number | null;
  kind: 'province' | 'center' | 'branch' | 'commune_center' | 'department' | 'commune_committee';
  agency_code: string;
  name_vi: string;
  name_en: string;
  address: string | null;
  area_type: 'urban' | 'rural' | 'remote' | null;
  lat: number | null;
  lon: number | null;
  office_hours: Json | null;
  receiving_unit_id: number | null;
  commune_code: string | null;
  valid_from: string;
  valid_to: string | null;
  created_at: TimestampDefault;
}

export interface UnitCodeTable {
  unit_id: number;
  agency_code: string;
  valid_from: string;
  valid_to: string | null;
}

export interface CommuneTable {
  code: string;
  province_code: string;
  name_vi: string;
  name_en: string;
  kind: 'ward' | 'commune' | 'special_zone';
  area_type: 'urban' | 'rural' | 'remote';
  committee_unit_id: number;
  center_unit_id: number;
  lat: number | null;
  lon: number | null;
}

export type StaffRole = 'clerk' | 'specialist' | 'approver' | 'manager' | 'admin';

export interface StaffTable {
  id: Generated<number>;
  username: string;
  password_hash: string;
  full_name: string;
  role: StaffRole;
  unit_id: number;
  active: Generated<boolean>;
  created_at: TimestampDefault;
}

export interface SessionTable {
  id: Generated<number>;
  token_hash: string;
  staff_id: number;
  created_at: TimestampDefault;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface FieldTable {
  code: string;
  name_vi: string;
  name_en: string;
}

export interface ProcedureTable {
  id: Generated<number>;
  code: string;
  created_at: TimestampDefault;
}

export interface ProcedureVersionTable {
  id: Generated<number>;
  procedure_id: number;
  effective_from: string;
  name_vi: string;
  name_en: string;
  field_code: string;
  level: 'province' | 'commune';
  agency_key: string | null;
  limit_value: number;
  limit_unit: string;
  fast_value: number | null;
  fast_unit: string | null;
  online_level: 'full' | 'partial';
  non_territorial: boolean;
  search_text: string;
  body: Json;
  created_at: TimestampDefault;
}

export interface BlobTable {
  sha256: string;
  size: number;
  mime: string;
  created_at: TimestampDefault;
}

/** An online filing in progress, known to its citizen by a random token (migration 20261202T1600). */
export interface OnlineSubmissionTable {
  id: Generated<number>;
  token_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

/** Who uploaded a stored file: 'unit:<id>' or 'submission:<id>', one row per owner. */
export interface FileUploadTable {
  blob_sha256: string;
  owner: string;
  unit_id: number | null;
  submission_id: number | null;
  staff_id: number | null;
  uploaded_at: Timestamp;
}

export interface StoreDocumentTable {
  id: Generated<number>;
  owner_id_number: string;
  kind: string;
  title: string;
  blob_sha256: string;
  issuer_unit_id: number | null;
  source_dossier_id: number | null;
  issued_at: TimestampDefault;
  /** The catalog's document type (document_types.code); null when unknown (such a document is never reused). */
  document_type: string | null;
}

export interface DocumentTypeTable {
  code: string;
  name_vi: string;
  name_en: string;
}

/** An intake in progress: the purpose that lets a clerk list a citizen's document store, for a bounded time. */
export interface IntakeTable {
  id: Generated<number>;
  staff_id: number;
  unit_id: number;
  id_number: string;
  procedure_id: number | null;
  reason: string | null;
  opened_at: Timestamp;
  expires_at: Timestamp;
  closed_at: Timestamp | null;
  dossier_id: number | null;
}

/** One listing of a citizen's document store: who, whose, why. */
export interface StoreAccessTable {
  id: Generated<number>;
  staff_id: number;
  unit_id: number;
  owner_id_number: string;
  purpose: 'dossier' | 'intake';
  dossier_id: number | null;
  intake_id: number | null;
  documents: number;
  at: Timestamp;
}

export interface DossierTable {
  id: Generated<number>;
  code: string;
  province_code: string;
  procedure_id: number;
  procedure_version_id: number;
  channel: number;
  status: string;
  portal_status: number;
  receiving_unit_id: number;
  competent_agency_id: number;
  current_unit_id: number | null;
  current_step: Generated<number>;
  return_point_id: number;
  applicant_id_number: string;
  applicant_name: string;
  applicant_phone: string;
  applicant_email: string | null;
  applicant_address: string;
  applicant_commune_code: string;
  fast_track: Generated<boolean>;
  limit_value: number;
  limit_unit: string;
  fee_total_vnd: Generated<number>;
  /** The fees were paid online through the gateway (migration 20261208T0800_payments): indicator 3.6. */
  paid_online: Generated<boolean>;
  submitted_at: Timestamp | null;
  received_at: Timestamp | null;
  due_at: Timestamp | null;
  original_due_at: Timestamp | null;
  paused_at: Timestamp | null;
  paused_ms: Generated<number>;
  supplement_count: Generated<number>;
  paid_at: Timestamp | null;
  decided_at: Timestamp | null;
  returned_at: Timestamp | null;
  late_flagged_at: Timestamp | null;
  apology_due_at: Timestamp | null;
  result_document_id: number | null;
  /** The code of the open dossier of the same procedure and applicant this one was received beside (a known duplicate). */
  duplicate_of: string | null;
  version: Generated<number>;
  /** The seq of the dossier's last event: each event takes the next, whether or not it changes the version. */
  event_seq: Generated<number>;
  created_by: number | null;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
  /** The secret of the public tracking URL (the receipt's QR code): 12 letters and digits without look-alikes. */
  tracking_token: string;
  /** Filed online by a citizen logged in with VNeID (migration 20261208T0900): the portal's TaiKhoanDuocXacThucVoiVNeID. */
  vneid_authenticated: Generated<boolean>;
  /** Filed on the National Public Service Portal: its own id of the dossier (MaHoSoQG; migration 20261209T0800). */
  portal_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** The language of the citizen's notices (migration 20261210T0800_notices). */
  notice_lang: ColumnType<'vi' | 'en', 'vi' | 'en' | undefined, 'vi' | 'en'>;
}

/** A comparison of the national procedure database with our catalog, pending an administrator's decision (migration 20261209T0900). */
export interface CatalogImportTable {
  id: Generated<number>;
  fetched_at: Timestamp;
  fetched_by: number | null;
  status: Generated<'pending' | 'applied' | 'discarded'>;
  summary: Json;
  items: Json;
  decided_at: Timestamp | null;
  decided_by: number | null;
  applied: Json | null;
}

/** A portal dossier the province could not take, with the reason (migration 20261209T0800). */
export interface PortalInboundRefusalTable {
  portal_id: string;
  procedure_code: string;
  commune_code: string;
  submitted_at: Timestamp | null;
  reason_code: string;
  reason: string;
  field: string | null;
  first_refused_at: Timestamp;
  last_refused_at: Timestamp;
  attempts: Generated<number>;
}

export interface DossierComponentTable {
  id: Generated<number>;
  dossier_id: number;
  component_code: string;
  name_vi: string;
  form: string;
  count: number;
  required: boolean;
  source: 'upload' | 'store' | 'population_db' | 'paper';
  blob_sha256: string | null;
  store_document_id: number | null;
  digitized: boolean;
  /** The owner ('unit:<id>', 'submission:<id>') whose upload blob_sha256 is; a foreign key to file_uploads checks it. */
  uploaded_by: string | null;
  added_at: TimestampDefault;
}

export interface DossierEventTable {
  id: Generated<number>;
  dossier_id: number;
  province_code: string;
  seq: number;
  action: string;
  from_status: string | null;
  to_status: string;
  actor_kind: 'staff' | 'citizen' | 'system';
  actor_id: number | null;
  unit_id: number | null;
  at: Timestamp;
  note: string | null;
  data: Json | null;
  /** The writing transaction (xid8, as text): the rollup worker's watermark (src/kpi/). */
  txid: Generated<string>;
}

export interface DossierStepTable {
  id: Generated<number>;
  dossier_id: number;
  seq: number;
  role: string;
  from_unit_id: number | null;
  to_unit_id: number;
  handed_by: number | null;
  handed_at: Timestamp;
  due_at: Timestamp | null;
  completed_by: number | null;
  completed_at: Timestamp | null;
  outcome: 'early' | 'on_time' | 'late' | null;
}

export interface DossierCodeCounterTable {
  prefix: string;
  day: string;
  last: number;
}

export interface RatingTable {
  dossier_id: number;
  rating: 'satisfied' | 'acceptable' | 'not_satisfied';
  comment: string | null;
  created_at: TimestampDefault;
  txid: Generated<string>;
  /** The citizen account that rated, when a logged-in citizen rated their own dossier (migration 20261208T0900). */
  citizen_account_id: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface IdempotencyKeyTable {
  scope: string;
  key: string;
  request_hash: string;
  status_code: number;
  response: Json;
  created_at: TimestampDefault;
}

export interface AuditHeadTable {
  stream: string;
  seq: number;
  hash: string;
  prev_hash: string;
  updated_at: TimestampDefault;
}

export interface AuditLogTable {
  stream: string;
  seq: number;
  at: Timestamp;
  actor_kind: string;
  actor_id: number | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  payload: string;
  prev_hash: string;
  hash: string;
}

export interface QueueGroupTable {
  id: Generated<number>;
  unit_id: number;
  /** Ticket prefix: A, B, … */
  code: string;
  name_vi: string;
  name_en: string;
  target_wait_seconds: Generated<number>;
  slot_minutes: Generated<number>;
  /** Tickets bookable ahead per slot; 0 = no booking for this group. */
  slot_capacity: Generated<number>;
  active: Generated<boolean>;
  created_at: TimestampDefault;
}

export interface QueueGroupProcedureTable {
  group_id: number;
  procedure_id: number;
}

export interface QueueCounterTable {
  id: Generated<number>;
  unit_id: number;
  number: number;
  name_vi: string;
  name_en: string;
  active: Generated<boolean>;
  /** The clerk at the counter now (opened), if any. */
  staff_id: number | null;
  opened_at: Timestamp | null;
}

export interface QueueClerkGroupTable {
  staff_id: number;
  group_id: number;
  weight: Generated<number>;
}

export type BookingStatus = 'booked' | 'checked_in' | 'cancelled';

export interface QueueBookingTable {
  id: Generated<number>;
  group_id: number;
  slot_start: Timestamp;
  code: string;
  name: string;
  phone: string;
  status: BookingStatus;
  created_at: Timestamp;
  cancelled_at: Timestamp | null;
}

export type TicketStatus = 'waiting' | 'called' | 'serving' | 'done' | 'no_show' | 'cancelled';
export type TicketChannel = 'kiosk' | 'clerk' | 'booking';
export type TicketPriority = 'elderly' | 'disabled' | 'pregnant' | 'child' | 'other';

export interface QueueTicketTable {
  id: Generated<number>;
  unit_id: number;
  group_id: number;
  /** Local service day (UTC+7), yyyy-mm-dd. */
  day: string;
  number: number;
  label: string;
  channel: TicketChannel;
  priority: TicketPriority | null;
  status: TicketStatus;
  /** The instant the ticket is ordered by: arrival for walk-ins, the slot for bookings. */
  rank_at: Timestamp;
  arrived_at: Timestamp;
  /** When it entered its current group (a transfer re-queues it). */
  queued_at: Timestamp;
  target_counter_id: number | null;
  counter_id: number | null;
  staff_id: number | null;
  booking_id: number | null;
  /** Secret of the ticket's phone page (/so/<token>, the QR code on the printed ticket); null on imported history. */
  token: ColumnType<string | null, string | null | undefined, string | null>;
  transferred_from_group_id: number | null;
  called_at: Timestamp | null;
  call_count: Generated<number>;
  started_at: Timestamp | null;
  ended_at: Timestamp | null;
  version: Generated<number>;
}

export interface QueueTicketDossierTable {
  ticket_id: number;
  dossier_id: number;
}

export interface QueueNumberCounterTable {
  group_id: number;
  day: string;
  last: number;
}

export interface NotificationTable {
  id: Generated<number>;
  channel: 'sms' | 'email';
  recipient: string;
  body: string;
  kind: string;
  ref: string | null;
  due_at: Timestamp;
  created_at: Timestamp;
  sent_at: Timestamp | null;
  cancelled_at: Timestamp | null;
  attempts: Generated<number>;
  last_error: string | null;
  /** What made it, unique (dossier:<id>:<seq>:<channel>): an expansion retried never makes two (migration 20261210T0800). */
  source_key: ColumnType<string | null, string | null | undefined, string | null>;
  dossier_id: ColumnType<number | null, number | null | undefined, number | null>;
  subject: ColumnType<string | null, string | null | undefined, string | null>;
  /** The lease of the sender that claimed it: until then nobody else sends it. */
  claimed_until: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** The provider's id of the message (the SMS gateway's SMSID, the e-mail's Message-ID). */
  provider_id: ColumnType<string | null, string | null | undefined, string | null>;
  delivery_status: ColumnType<'delivered' | 'failed' | null, 'delivered' | 'failed' | null | undefined, 'delivered' | 'failed' | null>;
  delivery_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  skipped_reason: ColumnType<'opted_out' | null, 'opted_out' | null | undefined, 'opted_out' | null>;
}

/** A notable dossier event whose notices are not made yet (migration 20261210T0800_notices). */
export interface NoticeQueueTable {
  dossier_id: number;
  seq: number;
}

/** An administrator's text of a notice, overriding the default in code. */
export interface NoticeTemplateTable {
  kind: string;
  channel: 'sms' | 'email';
  lang: 'vi' | 'en';
  subject: string | null;
  body: string;
  updated_at: Timestamp;
  updated_by: number | null;
}

/** A channel a citizen stopped, by the digest of the normalized address. */
export interface NoticeOptoutTable {
  channel: 'sms' | 'email';
  address_digest: string;
  created_at: Timestamp;
  source: 'email_link' | 'citizen' | 'clerk';
  dossier_id: number | null;
  staff_id: number | null;
}

/** Wrong guesses at public look-ups, per key guessed and per client address (src/platform/lookup-budget.ts). */
export interface LookupBudgetTable {
  key: string;
  failures: number;
  max_failures: number;
  window_ends_at: Timestamp;
}

/** Failed log-ins per account name and per client address (src/auth/login-throttle.model.ts). */
export interface LoginThrottleTable {
  key: string;
  failures: number;
  locked_until: Timestamp | null;
  last_failure_at: Timestamp;
}

/** Every table, for Kysely<DB>. */
export interface DB {
  units: UnitTable;
  unit_codes: UnitCodeTable;
  communes: CommuneTable;
  staff: StaffTable;
  sessions: SessionTable;
  fields: FieldTable;
  procedures: ProcedureTable;
  procedure_versions: ProcedureVersionTable;
  blobs: BlobTable;
  online_submissions: OnlineSubmissionTable;
  file_uploads: FileUploadTable;
  store_documents: StoreDocumentTable;
  document_types: DocumentTypeTable;
  intakes: IntakeTable;
  store_access: StoreAccessTable;
  dossiers: DossierTable;
  dossier_components: DossierComponentTable;
  dossier_events: DossierEventTable;
  dossier_steps: DossierStepTable;
  dossier_code_counters: DossierCodeCounterTable;
  ratings: RatingTable;
  idempotency_keys: IdempotencyKeyTable;
  audit_heads: AuditHeadTable;
  audit_log: AuditLogTable;
  queue_groups: QueueGroupTable;
  queue_group_procedures: QueueGroupProcedureTable;
  queue_counters: QueueCounterTable;
  queue_clerk_groups: QueueClerkGroupTable;
  queue_bookings: QueueBookingTable;
  queue_tickets: QueueTicketTable;
  queue_ticket_dossiers: QueueTicketDossierTable;
  queue_number_counters: QueueNumberCounterTable;
  notifications: NotificationTable;
  notice_queue: NoticeQueueTable;
  notice_templates: NoticeTemplateTable;
  notice_optouts: NoticeOptoutTable;
  lookup_budgets: LookupBudgetTable;
  login_throttle: LoginThrottleTable;
  kpi_daily: KpiDailyTable;
  kpi_grains: KpiGrainTable;
  kpi_cursor: KpiCursorTable;
  kpi_overdue: KpiOverdueTable;
  history_imports: HistoryImportTable;
  history_dossiers: HistoryDossierTable;
  portal_sync: PortalSyncTable;
  payments: PaymentTable;
  dossier_fees: DossierFeeTable;
  payment_callbacks: PaymentCallbackTable;
  payment_reconciliations: PaymentReconciliationTable;
  citizen_accounts: CitizenAccountTable;
  citizen_sessions: CitizenSessionTable;
  citizen_logins: CitizenLoginTable;
  portal_inbound_refusals: PortalInboundRefusalTable;
  catalog_imports: CatalogImportTable;
  feedback: FeedbackTable;
  feedback_events: FeedbackEventTable;
  feedback_attachments: FeedbackAttachmentTable;
  feedback_reactions: FeedbackReactionTable;
  feedback_code_counters: FeedbackCodeCounterTable;
}

/** Daily rollups of the dossiers' events (src/kpi/kpi.model.ts COUNTERS are its other columns, each an integer count). */
export interface KpiDailyTable {
  day: string;
  receiving_unit_id: number;
  agency_id: number;
  procedure_id: number;
  [counter: string]: unknown;
}

/** Rollups by day or month at coarse grains: a dimension left out of a grain is 0 (migration 20261203T1200_kpi_grains). */
export interface KpiGrainTable {
  span: 'd' | 'm';
  /** The dimensions the row keeps: 1 point, 2 agency, 4 procedure. */
  grain: number;
  start: string;
  receiving_unit_id: number;
  agency_id: number;
  procedure_id: number;
  [counter: string]: unknown;
}

/** The stretches each dossier spends overdue, by day (migration 20261205T0800_kpi_open_deltas). */
export interface KpiOverdueTable {
  dossier_id: string;
  starts: string;
  ends: string | null;
}

export interface KpiCursorTable {
  id: number;
  applied_xmin: string;
  applied_at: Timestamp | null;
  rows_applied: number;
}

/** One imported history file, by the SHA-256 of its bytes: how far its import has committed (src/history/). */
export interface HistoryImportTable {
  id: Generated<number>;
  file_sha256: string;
  lines_done: Generated<number>;
  /** The byte offset after lines_done: where a restarted import resumes reading. */
  bytes_done: ColumnType<number, number | undefined, number>;
  imported: Generated<number>;
  skipped: Generated<number>;
  conflicts: Generated<number>;
  invalid: Generated<number>;
  started_at: Timestamp;
  updated_at: Timestamp;
  finished_at: Timestamp | null;
}

/** The line of an imported file a dossier came from, with the SHA-256 of the line's canonical JSON. */
export interface HistoryDossierTable {
  dossier_id: number;
  import_id: number;
  line: number;
  content_sha256: string;
}

export type Unit = Selectable<UnitTable>;
export type Staff = Selectable<StaffTable>;
export type Dossier = Selectable<DossierTable>;
export type NewDossier = Insertable<DossierTable>;
export type DossierUpdate = Updateable<DossierTable>;
export type ProcedureVersionRow = Selectable<ProcedureVersionTable>;
export type Commune = Selectable<CommuneTable>;
export type QueueGroup = Selectable<QueueGroupTable>;
export type QueueCounter = Selectable<QueueCounterTable>;
export type QueueTicket = Selectable<QueueTicketTable>;
export type QueueBooking = Selectable<QueueBookingTable>;

/** The National Public Service Portal sync's outbox: a dossier's last change and what the portal acknowledged (migration 20261207T0800). */
export interface PortalSyncTable {
  dossier_id: number;
  pending_seq: number;
  pending_since: Timestamp;
  acked_seq: Generated<number>;
  acked_at: Timestamp | null;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  lease_until: Timestamp | null;
  last_error: string | null;
}

/** A citizen's VNeID account as last seen at log-in, by VNeID's `sub` (migration 20261208T0900). */
export interface CitizenAccountTable {
  id: Generated<number>;
  subject: string;
  level: 1 | 2;
  /** Level 2 only: the verified 12-digit ID number. */
  id_number: string | null;
  name: string;
  /** yyyy-mm-dd (level 2 only). */
  birth_date: string | null;
  gender: 'male' | 'female' | null;
  permanent_address: string | null;
  created_at: Timestamp;
  last_login_at: Timestamp;
}

/** A citizen's log-in session: the SHA-256 of its cookie's token. */
export interface CitizenSessionTable {
  id: Generated<number>;
  token_hash: string;
  account_id: number;
  created_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
}

/** A VNeID log-in begun and not yet redeemed (single use, until expires_at). */
export interface CitizenLoginTable {
  state: string;
  code_verifier: string;
  nonce: string;
  /** SHA-256 of the cookie that ties the log-in to the browser that began it. */
  browser_hash: string;
  return_to: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

/** One attempt to pay a dossier's fees, online or at the counter (migration 20261208T0800_payments). */
export interface PaymentTable {
  id: Generated<number>;
  dossier_id: number;
  txn_ref: string;
  method: 'online' | 'counter';
  amount_vnd: ColumnType<number, number, number>;
  status: 'pending' | 'paid' | 'failed' | 'expired' | 'refund_pending' | 'refunded';
  created_at: Timestamp;
  expires_at: Timestamp | null;
  created_by: number | null;
  paid_at: Timestamp | null;
  settled_by: 'ipn' | 'query' | 'counter' | null;
  transaction_no: string | null;
  bank_code: string | null;
  response_code: string | null;
  receipt_no: string | null;
  refund_amount_vnd: number | null;
  refund_reason: string | null;
  refund_requested_at: Timestamp | null;
  refund_attempts: Generated<number>;
  refund_next_at: Timestamp | null;
  refund_error: string | null;
  refunded_at: Timestamp | null;
  refund_transaction_no: string | null;
}
export type Payment = Selectable<PaymentTable>;

/** A fee line a dossier owes: its procedure's at receipt or return, or assessed while processing. */
export interface DossierFeeTable {
  id: Generated<number>;
  dossier_id: number;
  stage: 'receipt' | 'processing' | 'return';
  name_vi: string;
  name_en: string;
  amount_vnd: number;
  created_at: Timestamp;
  created_by: number | null;
}

/** Every IPN call received from the gateway, with our answer. */
export interface PaymentCallbackTable {
  id: Generated<number>;
  received_at: Timestamp;
  txn_ref: string | null;
  valid: boolean;
  rsp_code: string;
  applied: 'paid' | 'failed' | null;
  params: Json;
}

/** One day's payments checked against the gateway's query API. */
export interface PaymentReconciliationTable {
  day: string;
  run_at: Timestamp;
  checked: number;
  matched: number;
  corrected: number;
  mismatches: Json;
}

/** A citizen's feedback or petition (PAKN), migration 20261210T0900_feedback. */
export interface FeedbackTable {
  id: Generated<number>;
  code: string;
  secret_hash: string;
  channel: 'portal' | 'tracking' | 'counter' | 'hotline';
  subject_kind: 'procedure' | 'dossier' | 'unit' | 'staff_conduct';
  procedure_id: number | null;
  dossier_id: number | null;
  subject_unit_id: number | null;
  staff_name: string | null;
  category: 'procedure_rules' | 'dossier_delay' | 'staff_conduct' | 'facilities' | 'other';
  title: string;
  content: string;
  sender_name: string | null;
  sender_phone: string | null;
  sender_email: string | null;
  citizen_account_id: number | null;
  publish_consent: boolean;
  /** The language of the sender's notices. */
  notice_lang: ColumnType<'vi' | 'en', 'vi' | 'en' | undefined, 'vi' | 'en'>;
  status: 'received' | 'info_requested' | 'processing' | 'refused' | 'answered' | 'published' | 'closed';
  unit_id: number;
  assignee_id: number | null;
  recorded_by: number | null;
  received_at: Timestamp;
  refuse_due_at: Timestamp;
  info_due_at: Timestamp;
  answer_due_at: Timestamp;
  publish_due_at: Timestamp | null;
  first_info_requested_at: Timestamp | null;
  refused_at: Timestamp | null;
  refusal_reason: string | null;
  draft_answer: string | null;
  answered_at: Timestamp | null;
  answered_by: number | null;
  answer: string | null;
  published_at: Timestamp | null;
  closed_at: Timestamp | null;
  escalated_stage: 'triage' | 'answer' | 'publish' | null;
  escalated_at: Timestamp | null;
  repeat_of_id: number | null;
  event_seq: Generated<number>;
}

/** One step of a feedback's timeline; `internal` ones (notes, assignments) are never shown to the sender. */
export interface FeedbackEventTable {
  feedback_id: number;
  seq: number;
  action: string;
  from_status: string | null;
  to_status: string;
  staff_id: number | null;
  at: Timestamp;
  note: string | null;
  internal: boolean;
}

export interface FeedbackAttachmentTable {
  feedback_id: number;
  position: number;
  blob_sha256: string;
}

/** One like or dislike of a published answer per voter: 'citizen:<account id>' or 'client:<sha256 of the address>'. */
export interface FeedbackReactionTable {
  feedback_id: number;
  voter: string;
  reaction: 'like' | 'dislike';
  at: Timestamp;
}

export interface FeedbackCodeCounterTable {
  day: string;
  last: number;
}

import type { Migration } from 'kysely';
import * as core from './20261121T0800_core.js';
import * as auditEntityIndex from './20261121T0900_audit_entity_index.js';
import * as queue from './20261122T0800_queue.js';
import * as ticketToken from './20261122T0900_ticket_token.js';
import * as auditHardening from './20261202T1000_audit_hardening.js';
import * as lookupsAndLogins from './20261202T1200_lookups_and_logins.js';
import * as dossierRules from './20261202T1400_dossier_rules.js';
import * as fileOwnership from './20261202T1600_file_ownership.js';
import * as kpiRollups from './20261203T0800_kpi_rollups.js';
import * as historyImports from './20261203T1000_history_imports.js';
import * as kpiGrains from './20261203T1200_kpi_grains.js';
import * as kpiRollupsDerived from './20261204T0800_kpi_rollups_derived.js';
import * as kpiOpenDeltas from './20261205T0800_kpi_open_deltas.js';
import * as sessionChanges from './20261206T0800_session_changes.js';
import * as portalSync from './20261207T0800_portal_sync.js';
import * as payments from './20261208T0800_payments.js';
import * as citizenAccounts from './20261208T0900_citizen_accounts.js';
import * as portalInbound from './20261209T0800_portal_inbound.js';
import * as catalogImports from './20261209T0900_catalog_imports.js';
import * as feedback from './20261210T0900_feedback.js';
import * as notices from './20261210T0800_notices.js';
import * as auditBatchHeads from './20261211T0800_audit_batch_heads.js';

/** Every migration, by timestamped name; the Migrator applies them in name order. */
export const migrations: Record<string, Migration> = {
  '20261121T0800_core': core,
  '20261121T0900_audit_entity_index': auditEntityIndex,
  '20261122T0800_queue': queue,
  '20261122T0900_ticket_token': ticketToken,
  '20261202T1000_audit_hardening': auditHardening,
  '20261202T1200_lookups_and_logins': lookupsAndLogins,
  '20261202T1400_dossier_rules': dossierRules,
  '20261202T1600_file_ownership': fileOwnership,
  '20261203T0800_kpi_rollups': kpiRollups,
  '20261203T1000_history_imports': historyImports,
  '20261203T1200_kpi_grains': kpiGrains,
  '20261204T0800_kpi_rollups_derived': kpiRollupsDerived,
  '20261205T0800_kpi_open_deltas': kpiOpenDeltas,
  '20261206T0800_session_changes': sessionChanges,
  '20261207T0800_portal_sync': portalSync,
  '20261208T0800_payments': payments,
  '20261208T0900_citizen_accounts': citizenAccounts,
  '20261209T0800_portal_inbound': portalInbound,
  '20261209T0900_catalog_imports': catalogImports,
  '20261210T0800_notices': notices,
  '20261210T0900_feedback': feedback,
  '20261211T0800_audit_batch_heads': auditBatchHeads,
};

// Request bodies shared by the load generator (a child process) and the seeding code: no app imports here.

/** Non-territorial (received at any point): 2 uploads (TK, GCS) + 1 from the population database (CCCD). */
export const PROCEDURE = '1.001193';
export const COMMUNES = ['14001', '14002', '14003'];

/**
 * The i-th bench applicant: a valid 12-digit ID, distinct for every i below 50 million (birth years 1950–1999 and a
 * 6-digit serial: 037 0 yy nnnnnn), so that no intake of a run is another's duplicate (409 DUPLICATE_DOSSIER); a
 * distinct phone; a commune of the province.
 */
export function applicantOf(i: number) {
  const n = i % 50_000_000;
  return {
    idNumber: `0370${50 + Math.floor(n / 1_000_000)}${String(n % 1_000_000).padStart(6, '0')}`,
    name: 'Nguyễn Văn An',
    phone: `09${String(10_000_000 + (i % 90_000_000)).padStart(8, '0')}`,
    address: 'Thôn Hai, Xã Hai',
    communeCode: COMMUNES[i % COMMUNES.length]!,
  };
}

/**
 * An intake request body for 1.001193 with both uploads and the ID card from the population database; `withEmail`: the
 * applicant also gives an e-mail address (the notices benchmark: an SMS and an e-mail for each receipt).
 */
export function intakeBody(i: number, files: { tk: string; gcs: string }, withEmail = false) {
  return {
    procedureCode: PROCEDURE,
    applicant: withEmail ? { ...applicantOf(i), email: `cong.dan.${i}@example.vn` } : applicantOf(i),
    components: [
      { code: 'TK', source: 'upload' as const, fileSha256: files.tk },
      { code: 'GCS', source: 'upload' as const, fileSha256: files.gcs },
      { code: 'CCCD', source: 'population_db' as const },
    ],
  };
}

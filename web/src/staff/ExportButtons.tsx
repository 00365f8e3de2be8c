import { useState } from 'react';
import { settle, type Problem } from '../api/client';
import { useStaffT } from './i18n';
import { staffApi } from './session';

/** The leaders' tables the API exports (GET /kpi/export/{table}.{format}). */
export type ExportTable = 'figures' | 'scorecard' | 'costly-dossiers' | 'productivity';
type Format = 'csv' | 'xlsx';
type Query = { from: string; to: string; unitId?: number };

const FORMATS: readonly Format[] = ['csv', 'xlsx'];

/** The file name the server gave (its UTF-8 filename*, else its ASCII fallback). */
function fileNameOf(disposition: string | null, fallback: string): string {
  const utf8 = /filename\*=UTF-8''([^;]+)/i.exec(disposition ?? '');
  if (utf8) {
    try {
      return decodeURIComponent(utf8[1]!);
    } catch {
      // a malformed name: the fallback below
    }
  }
  return /filename="([^"]+)"/i.exec(disposition ?? '')?.[1] ?? fallback;
}

/** One export through the typed client, with the staff token (a plain link cannot send it). */
function fetchExport(table: ExportTable, format: Format, q: Query, lang: 'vi' | 'en', indicator: string | undefined) {
  const path = { format };
  const query = { ...q, lang };
  if (table === 'figures')
    return staffApi.GET('/kpi/export/figures.{format}', { params: { path, query: { ...query, by: 'month' } }, parseAs: 'blob' });
  if (table === 'scorecard') return staffApi.GET('/kpi/export/scorecard.{format}', { params: { path, query }, parseAs: 'blob' });
  if (table === 'productivity') return staffApi.GET('/kpi/export/productivity.{format}', { params: { path, query }, parseAs: 'blob' });
  return staffApi.GET('/kpi/export/costly-dossiers.{format}', {
    params: { path, query: { ...query, indicator: indicator ?? '' } },
    parseAs: 'blob',
  });
}

/**
 * Download buttons (CSV, XLSX) of one of the scorecard page's tables, for the page's current unit and period: the
 * file is fetched with the bearer token and saved through an object URL, headers in the console's language.
 */
export function ExportButtons({ table, q, indicator, label }: { table: ExportTable; q: Query; indicator?: string; label: string }) {
  const { t, lang } = useStaffT();
  const [busy, setBusy] = useState<Format | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const save = async (format: Format) => {
    setBusy(format);
    setProblem(null);
    let disposition: string | null = null;
    const r = await settle(
      fetchExport(table, format, q, lang, indicator).then((x) => {
        disposition = x.response.headers.get('content-disposition');
        return x;
      }) as Promise<{ data?: Blob; error?: unknown; response: Response }>,
    );
    setBusy(null);
    if (!r.ok) return setProblem(r.problem);
    const url = URL.createObjectURL(r.data);
    const a = document.createElement('a');
    a.href = url;
    a.download = fileNameOf(disposition, `${table}-${q.from}-${q.to}.${format}`);
    document.body.append(a);
    a.click();
    a.remove();
    // Revoked once the browser has surely started saving it.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  };
  return (
    <div className="export-buttons" role="group" aria-label={t('scorecard.exportOf', { table: label })}>
      <span className="small muted">{t('scorecard.export')}</span>{' '}
      {FORMATS.map((f) => (
        <button
          key={f}
          type="button"
          className="button button-secondary button-small"
          onClick={() => void save(f)}
          disabled={busy !== null}
          aria-busy={busy === f}
          aria-label={t('scorecard.exportAs', { table: label, format: f.toUpperCase() })}
        >
          {busy === f ? t('scorecard.exporting') : f.toUpperCase()}
        </button>
      ))}
      {problem && (
        <span className="field-error" role="alert">
          {' '}
          {problem.status} {problem.code}: {problem.detail}
        </span>
      )}
    </div>
  );
}

import { useState } from 'react';
import { settle, type Problem } from '../api/client';
import { useStaffT } from './i18n';
import { staffApi } from './session';

/** The leaders' tables the API exports (GET /kpi/export/{table}.{format}). */
export type ExportTable = 'figures' | 'scorecard' | 'costly-dossiers' | 'productivity' | 'rankings' | 'trends';
type Format = 'csv' | 'xlsx';
type Query = { from: string; to: string; unitId?: number };
/** What a table's export takes beyond the unit and period: an indicator, a ranking's level, a trend's period. */
type Extra = { indicator?: string; level?: 'point' | 'agency'; period?: 'week' | 'month' };

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
function fetchExport(table: ExportTable, format: Format, q: Query, lang: 'vi' | 'en', extra: Extra) {
  const path = { format };
  const query = { ...q, lang };
  if (table === 'figures')
    return staffApi.GET('/kpi/export/figures.{format}', { params: { path, query: { ...query, by: 'month' } }, parseAs: 'blob' });
  if (table === 'scorecard') return staffApi.GET('/kpi/export/scorecard.{format}', { params: { path, query }, parseAs: 'blob' });
  if (table === 'productivity') return staffApi.GET('/kpi/export/productivity.{format}', { params: { path, query }, parseAs: 'blob' });
  if (table === 'rankings')
    return staffApi.GET('/kpi/export/rankings.{format}', {
      params: { path, query: { ...query, ...(extra.level ? { level: extra.level } : {}) } },
      parseAs: 'blob',
    });
  if (table === 'trends')
    return staffApi.GET('/kpi/export/trends.{format}', {
      params: { path, query: { ...query, ...(extra.period ? { period: extra.period } : {}) } },
      parseAs: 'blob',
    });
  return staffApi.GET('/kpi/export/costly-dossiers.{format}', {
    params: { path, query: { ...query, indicator: extra.indicator ?? '' } },
    parseAs: 'blob',
  });
}

type Fetched = Promise<{ data?: Blob; error?: unknown; response: Response }>;

/**
 * A file fetched with the bearer token and saved through an object URL under the name the server gave: which one
 * is on its way (`busy`), and the problem if the server refused.
 */
function useDownload<K extends string>() {
  const [busy, setBusy] = useState<K | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const save = async (key: K, fetched: () => Fetched, fallback: string) => {
    setBusy(key);
    setProblem(null);
    let disposition: string | null = null;
    const r = await settle(
      fetched().then((x) => {
        disposition = x.response.headers.get('content-disposition');
        return x;
      }),
    );
    setBusy(null);
    if (!r.ok) return setProblem(r.problem);
    const url = URL.createObjectURL(r.data);
    const a = document.createElement('a');
    a.href = url;
    a.download = fileNameOf(disposition, fallback);
    document.body.append(a);
    a.click();
    a.remove();
    // Revoked once the browser has surely started saving it.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  };
  const alert = problem && (
    <span className="field-error" role="alert">
      {' '}
      {problem.status} {problem.code}: {problem.detail}
    </span>
  );
  return { busy, save, alert };
}

/**
 * Download buttons (CSV, XLSX) of one of the scorecard page's tables, for the page's current unit and period: the
 * file is fetched with the bearer token and saved through an object URL, headers in the console's language.
 */
export function ExportButtons({ table, q, label, ...extra }: { table: ExportTable; q: Query; label: string } & Extra) {
  const { t, lang } = useStaffT();
  const { busy, save, alert } = useDownload<Format>();
  return (
    <div className="export-buttons" role="group" aria-label={t('scorecard.exportOf', { table: label })}>
      <span className="small muted">{t('scorecard.export')}</span>{' '}
      {FORMATS.map((f) => (
        <button
          key={f}
          type="button"
          className="button button-secondary button-small"
          onClick={() => void save(f, () => fetchExport(table, f, q, lang, extra) as Fetched, `${table}-${q.from}-${q.to}.${f}`)}
          disabled={busy !== null}
          aria-busy={busy === f}
          aria-label={t('scorecard.exportAs', { table: label, format: f.toUpperCase() })}
        >
          {busy === f ? t('scorecard.exporting') : f.toUpperCase()}
        </button>
      ))}
      {alert}
    </div>
  );
}

/** The unit's monthly report (GET /kpi/report.pdf) of a month, as a PDF to save. */
export function MonthlyReportButton({ unitId, month }: { unitId?: number; month: string }) {
  const { t } = useStaffT();
  const { busy, save, alert } = useDownload<'pdf'>();
  const fetched = () =>
    staffApi.GET('/kpi/report.pdf', {
      params: { query: { month, ...(unitId === undefined ? {} : { unitId }) } },
      parseAs: 'blob',
    }) as Fetched;
  return (
    <div className="export-buttons">
      <button
        type="button"
        className="button button-secondary button-small"
        onClick={() => void save('pdf', fetched, `bao-cao-thang-${month}.pdf`)}
        disabled={busy !== null}
        aria-busy={busy === 'pdf'}
        aria-label={t('scorecard.monthlyReportOf', { month: `${month.slice(5)}/${month.slice(0, 4)}` })}
      >
        {busy === 'pdf' ? t('scorecard.exporting') : t('scorecard.monthlyReport')}
      </button>
      {alert}
    </div>
  );
}

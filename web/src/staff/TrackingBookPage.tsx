import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { loadServicePoints, settle, type Result } from '../api/client';
import { Loading } from '../components/Loading';
import { PageHeading } from '../components/PageHeading';
import { ProblemAlert } from '../components/ProblemAlert';
import { byVietnamese, formatDate } from '../lib/format';
import { usePageTitle } from '../lib/page';
import { useApi } from '../lib/useApi';
import { vietnamToday } from '../queue/queue.model';
import { useStaffT } from './i18n';
import { staffApi } from './session';
import { BlobButton, useSession } from './shared';

/** The longest period the API prints at once (form 07): 366 days after the first. */
const MAX_DAYS = 366;

/** Days from one YYYY-MM-DD to another. */
const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

/** /can-bo/so-theo-doi — the dossier tracking book (form 07) of a service point in the caller's scope, for a period, as PDF. */
export default function TrackingBookPage() {
  const { t, lang } = useStaffT();
  const { me } = useSession();
  const id = useId();
  usePageTitle(t('book.title'));
  const [points] = useApi(() => loadServicePoints(), []);
  const today = vietnamToday();
  const [unitId, setUnitId] = useState('');
  const [from, setFrom] = useState(`${today.slice(0, 8)}01`);
  const [to, setTo] = useState(today);
  const [error, setError] = useState<string | null>(null);
  const [request, setRequest] = useState<{ unitId: number; from: string; to: string } | null>(null);

  // Only the points the caller may print (the API answers 403 for the others).
  const mine = useMemo(() => {
    if (points.status !== 'ok') return [];
    const scope = me.scopeUnitIds;
    return points.data
      .filter((p) => scope === null || scope.includes(p.id))
      .sort((a, b) => (a.id === me.unitId ? -1 : b.id === me.unitId ? 1 : byVietnamese(a.nameVi, b.nameVi)));
  }, [points, me]);
  useEffect(() => {
    if (!unitId && mine.length) setUnitId(String(mine[0]!.id));
  }, [mine, unitId]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const problem = !unitId
      ? t('book.errUnit')
      : !from || !to
        ? t('book.errDates')
        : from > to
          ? t('book.errOrder')
          : daysBetween(from, to) > MAX_DAYS
            ? t('book.errLong', { days: MAX_DAYS })
            : null;
    setError(problem);
    setRequest(problem ? null : { unitId: Number(unitId), from, to });
  };

  const load = (q: { unitId: number; from: string; to: string }): Promise<Result<Blob>> =>
    settle(staffApi.GET('/forms/07', { params: { query: q }, parseAs: 'blob' }));
  const unitName = (uid: number) => {
    const u = mine.find((p) => p.id === uid);
    return u ? (lang === 'en' ? u.nameEn : u.nameVi) : `#${uid}`;
  };

  return (
    <div className="container page narrow">
      <PageHeading>{t('book.title')}</PageHeading>
      <p className="lead">{t('book.lead')}</p>
      {points.status === 'loading' && <Loading label={t('common.loading')} />}
      {points.status === 'error' && <ProblemAlert problem={points.problem} />}
      {points.status === 'ok' && mine.length === 0 && (
        <div className="notice">
          <p>{t('book.noPoint')}</p>
        </div>
      )}
      {mine.length > 0 && (
        <form className="card book-form" onSubmit={submit} noValidate aria-describedby={error ? `${id}-err` : undefined}>
          <div className="field">
            <label htmlFor={`${id}-unit`}>{t('book.unit')}</label>
            <select id={`${id}-unit`} value={unitId} onChange={(e) => setUnitId(e.target.value)}>
              {mine.map((p) => (
                <option key={p.id} value={p.id}>
                  {lang === 'en' ? p.nameEn : p.nameVi}
                </option>
              ))}
            </select>
          </div>
          <div className="field-row">
            <div className="field">
              <label htmlFor={`${id}-from`}>{t('book.from')}</label>
              <input
                id={`${id}-from`}
                type="date"
                value={from}
                max={today}
                onChange={(e) => setFrom(e.target.value)}
                required
                aria-invalid={error && (!from || from > to) ? true : undefined}
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-to`}>{t('book.to')}</label>
              <input
                id={`${id}-to`}
                type="date"
                value={to}
                onChange={(e) => setTo(e.target.value)}
                required
                aria-invalid={error && (!to || from > to) ? true : undefined}
              />
            </div>
          </div>
          <p className="hint">{t('book.hint', { days: MAX_DAYS })}</p>
          <p id={`${id}-err`} className="field-error" role={error ? 'alert' : undefined}>
            {error}
          </p>
          <div className="form-actions">
            <button type="submit" className="button button-primary">
              {t('book.prepare')}
            </button>
          </div>
        </form>
      )}
      {request && (
        <section className="card section book-ready" aria-labelledby={`${id}-ready`}>
          <h2 id={`${id}-ready`}>{t('book.ready')}</h2>
          <p>
            {t('book.readyText', {
              unit: unitName(request.unitId),
              from: formatDate(request.from, lang),
              to: formatDate(request.to, lang),
            })}
          </p>
          <BlobButton
            key={`${request.unitId}-${request.from}-${request.to}`}
            className="button button-primary"
            label={t('book.open')}
            fileName={`so-theo-doi-${request.unitId}-${request.from}-${request.to}.pdf`}
            load={() => load(request)}
          />
        </section>
      )}
    </div>
  );
}

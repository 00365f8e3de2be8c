import { useEffect, useState } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { loadAgencies, settle, type Problem, type TimeLimit } from '../api/client';
import type { paths } from '../api/schema';
import { Loading } from '../components/Loading';
import { PageHeading } from '../components/PageHeading';
import { ProblemAlert } from '../components/ProblemAlert';
import { formatDate, formatDateTime, formatLimit, formatVnd } from '../lib/format';
import { usePageTitle } from '../lib/page';
import { useApi } from '../lib/useApi';
import { useStaffT, type StaffKey } from './i18n';
import { staffApi } from './session';

type Comparison = paths['/catalog/national/comparisons/{id}']['get']['responses'][200]['content']['application/json'];
type Item = Comparison['items'][number];

/** A governed field's value as an official reads it: a time limit in words, fees in đồng, components by name. */
function show(field: string, v: unknown, tc: TFunction): string {
  if (v === null || v === undefined) return '—';
  if (field === 'timeLimit') return formatLimit(tc, v as TimeLimit);
  if (field === 'fees') {
    const fees = v as { nameVi: string; amountVnd: number }[];
    return fees.length ? fees.map((f) => `${f.nameVi}: ${formatVnd(f.amountVnd)}`).join('; ') : '—';
  }
  if (field === 'components') return (v as { code: string; nameVi: string }[]).map((c) => `${c.code} ${c.nameVi}`).join('; ');
  return String(v);
}

/**
 * /can-bo/danh-muc-quoc-gia — catalog updates from the national procedure database (administrator): compare it with
 * our catalog through the portal, read each change field by field (ours and national), choose what to apply (a
 * province-level procedure new to us needs its competent department), apply as new versions, or discard.
 */
export default function NationalCatalogPage() {
  const { t, lang } = useStaffT();
  const { t: tc } = useTranslation();
  usePageTitle(t('national.title'));
  const [list, reload] = useApi((signal) => settle(staffApi.GET('/catalog/national/comparisons', { signal })), []);
  const [agencies] = useApi(() => loadAgencies(), []);
  const [current, setCurrent] = useState<Comparison | null>(null);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [agencyOf, setAgencyOf] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const applicable = (i: Item) => i.kind === 'changed' || (i.kind === 'new' && (!i.needsAgency || Boolean(agencyOf[i.code])));
  const open = (c: Comparison) => {
    setCurrent(c);
    setChosen(new Set(c.items.filter((i) => i.kind === 'changed' || (i.kind === 'new' && !i.needsAgency)).map((i) => i.code)));
    setAgencyOf({});
  };
  const latestId = list.status === 'ok' ? list.data[0]?.id : undefined;
  useEffect(() => {
    if (latestId === undefined || current) return;
    void settle(staffApi.GET('/catalog/national/comparisons/{id}', { params: { path: { id: latestId } } })).then(
      (r) => r.ok && open(r.data),
    );
  }, [latestId]);

  const act = async (what: () => Promise<{ ok: true; data?: unknown } | { ok: false; problem: Problem }>, done: string) => {
    setBusy(true);
    setProblem(null);
    setNotice(null);
    const r = await what();
    setBusy(false);
    if (!r.ok) return setProblem(r.problem);
    setNotice(done);
    return r;
  };
  const compare = async () => {
    const r = await act(() => settle(staffApi.POST('/catalog/national/comparisons')), t('national.compared'));
    if (r && r.data) open(r.data as Comparison);
    reload();
  };
  const apply = async () => {
    if (!current) return;
    const codes = current.items.filter((i) => chosen.has(i.code) && applicable(i)).map((i) => i.code);
    const agencies = Object.fromEntries(Object.entries(agencyOf).filter(([c, a]) => a && codes.includes(c)));
    const r = await act(
      () =>
        settle(
          staffApi.POST('/catalog/national/comparisons/{id}/apply', { params: { path: { id: current.id } }, body: { codes, agencies } }),
        ),
      t('national.applied', { n: codes.length }),
    );
    if (r) {
      const again = await settle(staffApi.GET('/catalog/national/comparisons/{id}', { params: { path: { id: current.id } } }));
      if (again.ok) open(again.data);
      reload();
    }
  };
  const discard = async () => {
    if (!current) return;
    const r = await act(
      () => settle(staffApi.POST('/catalog/national/comparisons/{id}/discard', { params: { path: { id: current.id } } })),
      t('national.discarded'),
    );
    if (r) {
      setCurrent({ ...current, status: 'discarded' });
      reload();
    }
  };

  const departments = agencies.status === 'ok' ? agencies.data.filter((u) => u.kind === 'department') : [];
  const pending = current?.status === 'pending';
  const n = (x: number) => x.toLocaleString(lang === 'en' ? 'en' : 'vi');

  return (
    <div className="container page">
      <PageHeading>{t('national.title')}</PageHeading>
      <p className="lead">{t('national.lead')}</p>
      <p>
        <Link to="/can-bo/dong-bo">{t('national.back')}</Link>
      </p>
      <div className="inbox-buttons">
        <button type="button" className="button button-primary" onClick={() => void compare()} disabled={busy}>
          {t('national.compare')}
        </button>
      </div>
      <div aria-live="polite">
        {notice && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        {problem && <ProblemAlert problem={problem} />}
      </div>
      {list.status === 'loading' && <Loading label={t('common.loading')} />}
      {list.status === 'error' && <ProblemAlert problem={list.problem} onRetry={reload} />}
      {list.status === 'ok' && list.data.length === 0 && <p>{t('national.none')}</p>}
      {current && (
        <section aria-labelledby="national-current">
          <h2 id="national-current">
            {t('national.comparison', { at: formatDateTime(current.fetchedAt, lang) })} — {t(`national.status.${current.status}`)}
          </h2>
          <dl className="portal-tiles">
            {(['listed', 'changed', 'new', 'abolished', 'invalid', 'unchanged'] as const).map((k) => (
              <div key={k} className={k === 'invalid' && current.summary.invalid ? 'card card-alert' : 'card'}>
                <dt>{t(`national.sum.${k}`)}</dt>
                <dd className="num">{n(current.summary[k])}</dd>
              </div>
            ))}
          </dl>
          {current.summary.localOnly.length > 0 && <p>{t('national.localOnly', { codes: current.summary.localOnly.join(', ') })}</p>}
          {current.items.length === 0 ? (
            <p className="result-count">{t('national.upToDate')}</p>
          ) : (
            <div className="table-scroll">
              <table className="st-table">
                <caption className="visually-hidden">{t('national.caption')}</caption>
                <thead>
                  <tr>
                    {pending && <th scope="col">{t('national.colApply')}</th>}
                    <th scope="col">{t('national.colProcedure')}</th>
                    <th scope="col">{t('national.colKind')}</th>
                    <th scope="col">{t('national.colWhat')}</th>
                  </tr>
                </thead>
                <tbody>
                  {current.items.map((i) => (
                    <tr key={i.code} className={i.kind === 'invalid' || i.kind === 'abolished' ? 'row-late' : undefined}>
                      {pending && (
                        <td data-label={t('national.colApply')}>
                          {(i.kind === 'changed' || i.kind === 'new') && (
                            <input
                              type="checkbox"
                              aria-label={t('national.applyOne', { code: i.code })}
                              checked={chosen.has(i.code)}
                              onChange={(e) => {
                                const next = new Set(chosen);
                                if (e.target.checked) next.add(i.code);
                                else next.delete(i.code);
                                setChosen(next);
                              }}
                            />
                          )}
                        </td>
                      )}
                      <th scope="row" data-label={t('national.colProcedure')}>
                        <span className="code">{i.code}</span>
                        <span className="block">{i.nameVi}</span>
                      </th>
                      <td data-label={t('national.colKind')}>{t(`national.kind.${i.kind}`)}</td>
                      <td data-label={t('national.colWhat')}>
                        {i.kind === 'changed' && (
                          <div>
                            <p className="small">{t('national.from', { date: formatDate(i.effectiveFrom, lang) })}</p>
                            <div>
                              {i.changes.map((c) => (
                                <p key={c.field} className="small">
                                  <strong>{t(`national.field.${c.field}` as StaffKey)}</strong>: {show(c.field, c.ours, tc)} →{' '}
                                  {show(c.field, c.national, tc)}
                                </p>
                              ))}
                            </div>
                          </div>
                        )}
                        {i.kind === 'new' && (
                          <div>
                            <p className="small">
                              {t('national.from', { date: formatDate(i.effectiveFrom, lang) })} · {t(`national.level.${i.level}`)}
                            </p>
                            {i.needsAgency && pending && (
                              <label>
                                {t('national.agency')}{' '}
                                <select
                                  value={agencyOf[i.code] ?? ''}
                                  onChange={(e) => {
                                    setAgencyOf({ ...agencyOf, [i.code]: e.target.value });
                                    if (e.target.value) setChosen(new Set(chosen).add(i.code));
                                  }}
                                >
                                  <option value="">{t('national.chooseAgency')}</option>
                                  {departments.map((d) => (
                                    <option key={d.key} value={d.key}>
                                      {lang === 'en' ? d.nameEn : d.nameVi}
                                    </option>
                                  ))}
                                </select>
                              </label>
                            )}
                          </div>
                        )}
                        {i.kind === 'abolished' && t('national.abolishedNote')}
                        {i.kind === 'invalid' && i.problem}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {pending && current.items.length > 0 && (
            <div className="inbox-buttons">
              <button
                type="button"
                className="button button-primary"
                disabled={busy || !current.items.some((i) => chosen.has(i.code) && applicable(i))}
                onClick={() => void apply()}
              >
                {t('national.apply', { n: current.items.filter((i) => chosen.has(i.code) && applicable(i)).length })}
              </button>
              <button type="button" className="button button-secondary" disabled={busy} onClick={() => void discard()}>
                {t('national.discard')}
              </button>
            </div>
          )}
        </section>
      )}
    </div>
  );
}

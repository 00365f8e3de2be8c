import { useEffect, useMemo, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { api, loadFields, settle, type Field, type ProcedureSummary, type Problem } from '../api/client';
import { Loading } from '../components/Loading';
import { PageHeading } from '../components/PageHeading';
import { ProblemAlert } from '../components/ProblemAlert';
import { ProcedureList } from '../components/ProcedureList';
import { SearchForm, type Level, type SearchValues } from '../components/SearchForm';
import { usePageTitle } from '../lib/page';
import { useApi } from '../lib/useApi';
import { searchPath } from './SearchPage.model';

const PAGE = 20;

/** /thu-tuc: search results (GET /procedures, diacritic-insensitive on the server), by level and field. */
export default function SearchPage() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const q = params.get('q') ?? '';
  const levelParam = params.get('level');
  const level: Level = levelParam === 'province' || levelParam === 'commune' ? levelParam : '';
  const field = params.get('field') ?? '';
  usePageTitle(q ? t('search.titleFor', { q }) : t('search.title'));

  const [fieldsState] = useApi(() => loadFields(), []);
  const fields = useMemo(
    () => new Map<string, Field>(fieldsState.status === 'ok' ? fieldsState.data.map((f) => [f.code, f]) : []),
    [fieldsState],
  );

  const [items, setItems] = useState<ProcedureSummary[] | null>(null);
  const [more, setMore] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [attempt, setAttempt] = useState(0);

  const query = useMemo(
    () => ({ ...(q ? { q } : {}), ...(level ? { level } : {}), ...(field ? { field } : {}), limit: PAGE }),
    [q, level, field],
  );

  useEffect(() => {
    const ac = new AbortController();
    setItems(null);
    setProblem(null);
    void settle(api.GET('/procedures', { params: { query: { ...query, offset: 0 } }, signal: ac.signal }))
      .then((r) => {
        if (ac.signal.aborted) return;
        if (r.ok) {
          setItems(r.data);
          setMore(r.data.length === PAGE);
        } else setProblem(r.problem);
      })
      .catch(() => undefined);
    return () => ac.abort();
  }, [query, attempt]);

  const loadMore = async () => {
    if (!items) return;
    setLoadingMore(true);
    const r = await settle(api.GET('/procedures', { params: { query: { ...query, offset: items.length } } }));
    setLoadingMore(false);
    if (r.ok) {
      setItems([...items, ...r.data]);
      setMore(r.data.length === PAGE);
    } else setProblem(r.problem);
  };

  const search = (v: SearchValues) => navigate(searchPath({ ...v, field }), { replace: true });
  const fieldName = field ? fields.get(field) : undefined;

  return (
    <div className="container page">
      <PageHeading>{t('search.title')}</PageHeading>
      <SearchForm key={`${q}|${level}`} initial={{ q, level }} onSearch={search} liveLevel />

      {field && (
        <p className="filter-note">
          {t('search.inField')} <strong>{fieldName ? (i18n.language === 'en' ? fieldName.nameEn : fieldName.nameVi) : field}</strong>{' '}
          <button type="button" className="link-button" onClick={() => navigate(searchPath({ q, level }), { replace: true })}>
            {t('search.clearField')}
          </button>
        </p>
      )}

      <div className="results" aria-busy={items === null && !problem}>
        <p className="result-count" role="status">
          {items === null
            ? ''
            : items.length === 0
              ? t('search.none')
              : more
                ? t('search.countMore', { count: items.length })
                : t('search.count', { count: items.length })}
        </p>
        {problem && <ProblemAlert problem={problem} onRetry={() => setAttempt((n) => n + 1)} />}
        {items === null && !problem && <Loading />}
        {items && items.length > 0 && <ProcedureList items={items} fields={fields} />}
        {items && items.length === 0 && <p>{t('search.noneHelp')}</p>}
        {more && (
          <p className="center">
            <button type="button" className="button button-secondary" onClick={() => void loadMore()} disabled={loadingMore}>
              {loadingMore ? t('common.loading') : t('search.more')}
            </button>
          </p>
        )}
      </div>
    </div>
  );
}

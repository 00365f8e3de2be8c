import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import type { Field, ProcedureSummary } from '../api/client';
import { formatLimit } from '../lib/format';
import { AnywhereBadge, LevelBadge, OnlineBadge } from './Badges';

/** Search results: name, field, time limit, online level, and whether any service point accepts it. */
export function ProcedureList({
  items,
  fields,
  headingLevel = 2,
}: {
  items: ProcedureSummary[];
  fields: Map<string, Field>;
  headingLevel?: 2 | 3;
}) {
  const { t, i18n } = useTranslation();
  const en = i18n.language === 'en';
  const H = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <ul className="procedure-list">
      {items.map((p) => {
        const field = fields.get(p.fieldCode);
        return (
          <li key={p.code} className="card procedure-card">
            <H className="card-title">
              <Link to={`/thu-tuc/${encodeURIComponent(p.code)}`}>{en ? p.nameEn : p.nameVi}</Link>
            </H>
            <p className="muted small">
              <span className="code">{p.code}</span>
              {field && (
                <>
                  <span aria-hidden="true"> · </span>
                  {en ? field.nameEn : field.nameVi}
                </>
              )}
            </p>
            <p className="limit-line">
              <span className="label">{t('procedure.timeLimit')}:</span> <strong>{formatLimit(t, p.timeLimit)}</strong>
              {p.fastTrack && (
                <span className="muted">
                  {' '}
                  ({t('procedure.fastTrackShort')}: {formatLimit(t, p.fastTrack)})
                </span>
              )}
            </p>
            <p className="badges">
              <OnlineBadge online={p.online} />
              {p.nonTerritorial && <AnywhereBadge />}
              <LevelBadge level={p.level} />
            </p>
          </li>
        );
      })}
    </ul>
  );
}

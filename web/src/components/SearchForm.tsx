import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';

export type Level = '' | 'province' | 'commune';
export interface SearchValues {
  q: string;
  level: Level;
}

/** The procedure search box with the level filter; with liveLevel, picking a level searches at once (where results are shown). */
export function SearchForm({
  initial,
  onSearch,
  large,
  autoFocus,
  liveLevel,
}: {
  initial: SearchValues;
  onSearch: (v: SearchValues) => void;
  large?: boolean;
  autoFocus?: boolean;
  liveLevel?: boolean;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [q, setQ] = useState(initial.q);
  const [level, setLevel] = useState<Level>(initial.level);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSearch({ q: q.trim(), level });
  };
  const levels: { value: Level; label: string }[] = [
    { value: '', label: t('search.levelAll') },
    { value: 'province', label: t('procedure.levelProvince') },
    { value: 'commune', label: t('procedure.levelCommune') },
  ];
  return (
    <form
      role="search"
      className={large ? 'search-form search-form-large' : 'search-form'}
      onSubmit={submit}
      aria-label={t('search.formLabel')}
    >
      <label htmlFor={`${id}-q`} className="search-label">
        {t('search.label')}
      </label>
      <div className="search-row">
        <input
          id={`${id}-q`}
          type="search"
          name="q"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          placeholder={t('search.placeholder')}
          autoComplete="off"
          maxLength={200}
          enterKeyHint="search"
          aria-describedby={`${id}-hint`}
          // eslint-disable-next-line jsx-a11y/no-autofocus
          autoFocus={autoFocus}
        />
        <button type="submit" className="button button-primary">
          {t('search.submit')}
        </button>
      </div>
      <p id={`${id}-hint`} className="hint">
        {t('search.hint')}
      </p>
      <fieldset className="level-filter">
        <legend>{t('search.levelLegend')}</legend>
        <div className="segmented">
          {levels.map((l) => (
            <label key={l.value || 'all'} className="segment">
              <input
                type="radio"
                name={`${id}-level`}
                value={l.value}
                checked={level === l.value}
                onChange={() => {
                  setLevel(l.value);
                  if (liveLevel) onSearch({ q: q.trim(), level: l.value });
                }}
              />
              <span>{l.label}</span>
            </label>
          ))}
        </div>
      </fieldset>
    </form>
  );
}

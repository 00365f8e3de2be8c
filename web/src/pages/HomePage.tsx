import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { loadFields, loadProvince } from '../api/client';
import { PageHeading } from '../components/PageHeading';
import { SearchForm, type SearchValues } from '../components/SearchForm';
import { byVietnamese } from '../lib/format';
import { usePageTitle } from '../lib/page';
import { useApi } from '../lib/useApi';
import { searchPath } from './SearchPage.model';
import { TRACKING_CODE, trackingPath } from './TrackPage.model';

/** Home: search first, then the three things a citizen comes for, then the fields to browse. */
export default function HomePage() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  usePageTitle(undefined);
  const [fields] = useApi(() => loadFields(), []);
  const [province] = useApi(() => loadProvince(), []);
  const provinceUnit = province.status === 'ok' ? province.data[0] : undefined;
  const en = i18n.language === 'en';

  const search = (v: SearchValues) => navigate(searchPath(v));

  return (
    <>
      <section className="hero" aria-labelledby="hero-title">
        <div className="container">
          <p className="eyebrow">{provinceUnit ? (en ? provinceUnit.nameEn : provinceUnit.nameVi) : '\u00a0'}</p>
          <PageHeading>
            <span id="hero-title">{t('home.title')}</span>
          </PageHeading>
          <p className="hero-lead">{t('home.lead')}</p>
          <SearchForm initial={{ q: '', level: '' }} onSearch={search} large />
        </div>
      </section>

      <div className="container page">
        <section className="tiles" aria-label={t('home.servicesLabel')}>
          <article className="tile">
            <h2>{t('home.findTitle')}</h2>
            <p>{t('home.findText')}</p>
            <Link className="tile-link" to="/thu-tuc">
              {t('home.findLink')}
            </Link>
          </article>
          <article className="tile">
            <h2>{t('home.submitTitle')}</h2>
            <p>{t('home.submitText')}</p>
            <Link className="tile-link" to="/thu-tuc">
              {t('home.submitLink')}
            </Link>
          </article>
          <QuickTrack />
        </section>

        <section aria-labelledby="fields-title" className="section">
          <h2 id="fields-title">{t('home.fieldsTitle')}</h2>
          {fields.status === 'ok' && (
            <ul className="chip-list">
              {[...fields.data]
                .sort((a, b) => byVietnamese(en ? a.nameEn : a.nameVi, en ? b.nameEn : b.nameVi))
                .map((f) => (
                  <li key={f.code}>
                    <Link className="chip" to={`/thu-tuc?field=${encodeURIComponent(f.code)}`}>
                      {en ? f.nameEn : f.nameVi}
                    </Link>
                  </li>
                ))}
            </ul>
          )}
        </section>
      </div>
    </>
  );
}

/** The tracking shortcut: dossier code and the last 4 digits of the phone, then the tracking page. */
function QuickTrack() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [code, setCode] = useState('');
  const [phone, setPhone] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const c = code.trim().toUpperCase();
    if (!TRACKING_CODE.test(c)) return setError(t('track.codeInvalid'));
    if (!/^\d{4}$/.test(phone.trim())) return setError(t('track.phoneInvalid'));
    setError(null);
    navigate(trackingPath(c), { state: { phone: phone.trim() } });
  };
  return (
    <article className="tile">
      <h2 id="quick-track-title">{t('home.trackTitle')}</h2>
      <form className="quick-track" onSubmit={submit} aria-labelledby="quick-track-title" noValidate>
        <div className="field">
          <label htmlFor="qt-code">{t('track.code')}</label>
          <input
            id="qt-code"
            value={code}
            onChange={(e) => setCode(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            placeholder="000.00.00.H42-250314-0001"
            aria-describedby={error ? 'qt-error' : undefined}
          />
        </div>
        <div className="field">
          <label htmlFor="qt-phone">{t('track.phone4')}</label>
          <input
            id="qt-phone"
            value={phone}
            onChange={(e) => setPhone(e.target.value)}
            inputMode="numeric"
            maxLength={4}
            autoComplete="off"
            className="input-short"
            aria-describedby={error ? 'qt-error' : undefined}
          />
        </div>
        <p id="qt-error" className="field-error" aria-live="polite">
          {error}
        </p>
        <button type="submit" className="button button-secondary">
          {t('track.submit')}
        </button>
      </form>
    </article>
  );
}

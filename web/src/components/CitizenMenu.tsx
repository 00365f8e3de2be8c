import { Link, useLocation } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { logOut, useCitizen, vneidLoginHref } from '../lib/citizen';

/** The header's VNeID log-in button, or the logged-in citizen's name with "my dossiers" and log-out. */
export function CitizenMenu() {
  const { t } = useTranslation();
  const location = useLocation();
  const citizen = useCitizen();
  // The staff console has its own log-in; the citizen's menu stays out of it.
  if (location.pathname.startsWith('/can-bo') || citizen.status === 'loading') return null;
  if (!citizen.me)
    return (
      // Back where the citizen was (but not to a refused log-in's message).
      <a
        className="citizen-login"
        href={vneidLoginHref(location.pathname === '/ho-so-cua-toi' ? location.pathname : `${location.pathname}${location.search}`)}
      >
        {t('citizen.login')}
      </a>
    );
  return (
    <div className="citizen-menu">
      <span className="citizen-name">
        {citizen.me.name}
        <span className="visually-hidden"> ({t('citizen.levelLabel', { level: citizen.me.level })})</span>
      </span>
      <Link to="/ho-so-cua-toi">{t('citizen.myDossiers')}</Link>
      <button type="button" className="link-button" onClick={() => void logOut()}>
        {t('citizen.logout')}
      </button>
    </div>
  );
}

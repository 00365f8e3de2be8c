import { Link, useLocation } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { PageHeading } from '../components/PageHeading';
import { usePageTitle } from '../lib/page';

/** /can-bo and /can-bo/* — reserved for the staff console (a later release); for now it says so. */
export default function StaffPage() {
  const { t } = useTranslation();
  const { pathname } = useLocation();
  usePageTitle(t('staff.title'));
  const atLogin = pathname.replace(/\/$/, '') === '/can-bo/dang-nhap';
  return (
    <div className="container page narrow">
      <PageHeading>{t('staff.title')}</PageHeading>
      <div className="notice">
        <p>{atLogin ? t('staff.loginSoon') : t('staff.soon')}</p>
      </div>
      <p>{t('staff.meanwhile')}</p>
      <ul className="link-list">
        {!atLogin && (
          <li>
            <Link to="/can-bo/dang-nhap">{t('staff.loginLink')}</Link>
          </li>
        )}
        <li>
          <a href="/docs">{t('staff.apiDocs')}</a>
        </li>
        <li>
          <Link to="/">{t('staff.portal')}</Link>
        </li>
      </ul>
    </div>
  );
}

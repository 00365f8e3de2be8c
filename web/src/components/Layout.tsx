import { Suspense, useEffect } from 'react';
import { Link, NavLink, Outlet, useLocation } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { CitizenMenu } from './CitizenMenu';
import { LanguageSwitch } from './LanguageSwitch';
import { Loading } from './Loading';
import { Logo } from './Logo';
import { useInAppNavigation } from '../lib/page';

/** Header with the skip link, navigation and language switch; the page in <main>; the footer. */
export function Layout() {
  const { t } = useTranslation();
  const location = useLocation();
  // Called first here so the page load's location is the one every later page compares with.
  const navigated = useInAppNavigation();
  useEffect(() => {
    if (navigated && !location.hash) window.scrollTo(0, 0);
  }, [location.pathname, location.hash, navigated]);
  // On a phone the navigation is one row that scrolls sideways: keep the current section's link in view.
  useEffect(() => {
    const active = document.querySelector<HTMLElement>('.nav-list a.active');
    const list = active?.closest('ul');
    if (active && list && list.scrollWidth > list.clientWidth)
      list.scrollLeft = active.offsetLeft - list.clientWidth / 2 + active.offsetWidth / 2;
  }, [location.pathname]);

  return (
    <>
      <a className="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <header className="site-header">
        <div className="container header-inner">
          <div className="brand-block">
            <Link to="/" className="brand">
              <Logo />
              <span className="brand-name">{t('app.name')}</span>
            </Link>
            {/* Outside the link: the link's name stays the site's name. */}
            <p className="brand-tagline">{t('app.tagline')}</p>
          </div>
          <div className="header-actions">
            <CitizenMenu />
            <LanguageSwitch />
          </div>
        </div>
        <nav className="site-nav" aria-label={t('nav.label')}>
          <ul className="container nav-list">
            <li>
              <NavLink to="/" end>
                {t('nav.home')}
              </NavLink>
            </li>
            <li>
              <NavLink to="/thu-tuc">{t('nav.procedures')}</NavLink>
            </li>
            <li>
              <NavLink to="/tra-cuu">{t('nav.track')}</NavLink>
            </li>
            <li>
              <NavLink to="/xep-hang">{t('nav.queue')}</NavLink>
            </li>
            <li>
              <NavLink to="/dat-lich">{t('nav.booking')}</NavLink>
            </li>
            <li>
              <NavLink to="/phan-anh">{t('nav.feedback')}</NavLink>
            </li>
            <li>
              <NavLink to="/can-bo">{t('nav.staff')}</NavLink>
            </li>
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense
          fallback={
            <div className="container page">
              <Loading />
            </div>
          }
        >
          <Outlet />
        </Suspense>
      </main>
      <footer className="site-footer">
        <div className="container footer-inner">
          <p>{t('footer.about')}</p>
          <p>
            <a href="/docs">{t('footer.api')}</a>
            <span aria-hidden="true"> · </span>
            <span>{t('footer.license')}</span>
          </p>
        </div>
      </footer>
    </>
  );
}

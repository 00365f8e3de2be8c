import { Link } from 'react-router-dom';
import { PageHeading } from '../components/PageHeading';
import { usePageTitle } from '../lib/page';
import { useStaffT, type StaffKey } from './i18n';
import { keepsBook, useSession } from './shared';

interface Tile {
  to: string;
  title: StaffKey;
  text: StaffKey;
}

/** /can-bo — who is logged in, and the tasks of their role. */
export default function StaffHome() {
  const { t, lang } = useStaffT();
  const { me, unit } = useSession();
  usePageTitle(t('nav.home'));
  const tiles: Tile[] = [];
  if (me.role === 'clerk') {
    tiles.push({ to: '/can-bo/quay', title: 'home.counterTile', text: 'home.counterText' });
    tiles.push({ to: '/can-bo/tiep-nhan', title: 'home.intakeTile', text: 'home.intakeText' });
    tiles.push({ to: '/can-bo/ho-so?trang-thai=submitted', title: 'home.submittedTile', text: 'home.submittedText' });
    tiles.push({ to: '/can-bo/ho-so?trang-thai=result_ready', title: 'home.resultTile', text: 'home.resultText' });
  }
  tiles.push({ to: '/can-bo/ho-so', title: 'home.inboxTile', text: 'home.inboxText' });
  tiles.push({ to: '/can-bo/ho-so?tien-do=late', title: 'home.lateTile', text: 'home.lateText' });
  if (me.role === 'manager' || me.role === 'admin')
    tiles.unshift(
      { to: '/can-bo/tong-quan', title: 'home.overviewTile', text: 'home.overviewText' },
      { to: '/can-bo/hang-doi', title: 'home.queueTile', text: 'home.queueText' },
    );
  if (keepsBook(me.role)) tiles.push({ to: '/can-bo/so-theo-doi', title: 'home.bookTile', text: 'home.bookText' });
  if (me.role === 'admin') tiles.push({ to: '/can-bo/mau-thong-bao', title: 'home.templatesTile', text: 'home.templatesText' });
  return (
    <div className="container page">
      <PageHeading>{t('home.title', { name: me.fullName })}</PageHeading>
      <dl className="card staff-who">
        <div>
          <dt>{t('home.who')}</dt>
          <dd className="code">{me.username}</dd>
        </div>
        <div>
          <dt>{t('home.role')}</dt>
          <dd>{t(`roles.${me.role as 'clerk'}`)}</dd>
        </div>
        <div>
          <dt>{t('home.unit')}</dt>
          <dd>{unit ? (lang === 'en' ? unit.nameEn : unit.nameVi) : `#${me.unitId}`}</dd>
        </div>
        <div>
          <dt>{t('home.scope')}</dt>
          <dd>{me.scopeUnitIds === null ? t('home.scopeAll') : t('home.scopeUnits', { count: me.scopeUnitIds.length })}</dd>
        </div>
      </dl>
      <h2>{t('home.tasks')}</h2>
      <ul className="staff-tiles">
        {tiles.map((tile) => (
          <li key={tile.to} className="card staff-tile">
            <h3>
              <Link to={tile.to}>{t(tile.title)}</Link>
            </h3>
            <p className="muted">{t(tile.text)}</p>
          </li>
        ))}
      </ul>
    </div>
  );
}

import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { Logo } from '../components/Logo';
import { vietnamTime } from './queue.model';

/** The clock of a hall screen, in Vietnam time, refreshed every 10 seconds. */
export function Clock() {
  const [now, setNow] = useState(() => new Date().toISOString());
  useEffect(() => {
    const id = setInterval(() => setNow(new Date().toISOString()), 10_000);
    return () => clearInterval(id);
  }, []);
  return (
    <time className="screen-clock" dateTime={now}>
      {vietnamTime(now)}
    </time>
  );
}

/** The header of the kiosk and the display board: the app's mark, the service point, the clock, extra controls, the language switch. */
export function ScreenHeader({ point, kind, children }: { point: string | null; kind: string; children?: ReactNode }) {
  const { t } = useTranslation();
  return (
    <header className="screen-header">
      <div className="screen-header-inner">
        <div className="screen-brand">
          <Logo />
          <div className="screen-brand-text">
            <p className="screen-kind">
              {t('app.name')} · {kind}
            </p>
            <p className="screen-point">{point ?? '\u00a0'}</p>
          </div>
        </div>
        <div className="screen-tools">
          <Clock />
          {children}
          <LanguageSwitch />
        </div>
      </div>
    </header>
  );
}

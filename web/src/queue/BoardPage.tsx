import { useEffect, useId, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, settle } from '../api/client';
import { Loading } from '../components/Loading';
import { usePageTitle } from '../lib/page';
import { Chime, speak } from './chime';
import { useQueueT } from './i18n';
import type { Board, BoardCall, Kiosk } from './queue.api';
import { applyCall, applyWaiting, type CallEvent, type WaitingEvent } from './queue.model';
import { ScreenHeader } from './ScreenHeader';
import './queue.css';

/** How long the newest call flashes. */
const FLASH_MS = 4000;
/** When the stream is closed for good (an error answer, the server away), open a new one after this long. */
const REOPEN_MS = 5000;

type LinkState = 'connecting' | 'live' | 'reconnecting' | 'gone';

/**
 * /man-hinh/:unitId — the display board of a service point's hall, full screen: the number being called
 * and its counter in large type, the latest calls, the waiting per group. Live through server-sent events
 * (EventSource reconnects by itself; the `board` snapshot sent on each connection catches up what was
 * missed); a chime through the Web Audio API on each call once sound is enabled, and a flash of the newest.
 */
export default function BoardPage() {
  const { t, lang } = useQueueT();
  const unitId = Number(useParams().unitId);
  const id = useId();
  const [board, setBoard] = useState<Board | null>(null);
  const [names, setNames] = useState<Map<string, Kiosk['groups'][number]>>(new Map());
  const [link, setLink] = useState<LinkState>('connecting');
  const [notFound, setNotFound] = useState(false);
  const [flash, setFlash] = useState<number | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const [sound, setSound] = useState(false);
  const [chimes, setChimes] = useState(0);
  const chime = useRef<Chime | null>(null);
  chime.current ??= new Chime();
  // The stream's handlers outlive a language switch: they read the current language and words here.
  const langRef = useRef(lang);
  langRef.current = lang;
  const tRef = useRef(t);
  tRef.current = t;
  const point = board ? (lang === 'en' ? board.nameEn : board.nameVi) : null;
  usePageTitle(point ? `${t('board.title')} – ${point}` : t('board.title'));

  // Sound is on at once where the browser allows it without a click (a kiosk browser set up for it).
  useEffect(() => {
    const c = chime.current!;
    void c.enable().then(setSound);
    return () => c.close();
  }, []);

  // Group names for the waiting list (the board's events carry codes only).
  useEffect(() => {
    void settle(api.GET('/public/queue/points/{unitId}', { params: { path: { unitId } } })).then((r) => {
      if (r.ok) setNames(new Map(r.data.groups.map((g) => [g.code, g])));
      else if (r.problem.status === 404) setNotFound(true);
    });
  }, [unitId]);

  useEffect(() => {
    if (!Number.isInteger(unitId) || unitId < 1) return;
    let es: EventSource | null = null;
    let reopen: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const open = () => {
      es = new EventSource(`/public/queue/points/${unitId}/events`);
      es.addEventListener('open', () => setLink('live'));
      es.addEventListener('board', (m) => {
        setBoard(JSON.parse((m as MessageEvent<string>).data) as Board);
        setLink('live');
      });
      es.addEventListener('call', (m) => {
        const e = JSON.parse((m as MessageEvent<string>).data) as CallEvent;
        setBoard((b) => (b ? applyCall(b, e) : b));
        setFlash(Date.now());
        const counter = langRef.current === 'en' ? e.counterNameEn : e.counterNameVi;
        const words = tRef.current('board.announce', { label: e.label, counter });
        setAnnouncement(words);
        if (chime.current?.play(e.callCount > 1)) {
          setChimes((n) => n + 1);
          setTimeout(() => speak(words, langRef.current), 1300);
        }
      });
      es.addEventListener('waiting', (m) => {
        const e = JSON.parse((m as MessageEvent<string>).data) as WaitingEvent;
        setBoard((b) => (b ? applyWaiting(b, e) : b));
      });
      es.addEventListener('error', () => {
        if (stopped || !es) return;
        if (es.readyState === EventSource.CLOSED) {
          setLink('gone');
          reopen = setTimeout(open, REOPEN_MS);
        } else setLink('reconnecting');
      });
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(reopen);
      es?.close();
    };
  }, [unitId]);

  useEffect(() => {
    if (flash === null) return;
    const timer = setTimeout(() => setFlash(null), FLASH_MS);
    return () => clearTimeout(timer);
  }, [flash]);

  const toggleSound = async () => {
    const c = chime.current!;
    if (sound) {
      await c.disable();
      setSound(false);
      return;
    }
    const on = await c.enable();
    setSound(on);
    if (on && c.play()) setChimes((n) => n + 1);
  };

  if (notFound || !Number.isInteger(unitId) || unitId < 1) {
    return (
      <div className="screen board">
        <ScreenHeader point={null} kind={t('board.title')} />
        <main id="main" className="board-main board-missing" tabIndex={-1}>
          <h1>{t('kiosk.pointNotFound')}</h1>
          <p>
            <Link to="/xep-hang">{t('points.title')}</Link>
          </p>
        </main>
      </div>
    );
  }

  const latest: BoardCall | undefined = board?.calls[0];
  const counterName = (c: BoardCall) => (lang === 'en' ? c.counterNameEn : c.counterNameVi);
  return (
    <div className="screen board" data-chimes={chimes}>
      <ScreenHeader point={point} kind={t('board.title')}>
        <span className={`board-link board-link-${link}`} role="status">
          <span aria-hidden="true" className="board-link-dot" />
          {t(`board.link.${link}`)}
        </span>
        <button type="button" className="board-sound" aria-pressed={sound} onClick={() => void toggleSound()}>
          <SpeakerIcon on={sound} />
          {sound ? t('board.soundOn') : t('board.enableSound')}
        </button>
      </ScreenHeader>
      <main id="main" className="board-main" tabIndex={-1}>
        <h1 className="visually-hidden">{point ? `${t('board.title')} – ${point}` : t('board.title')}</h1>
        {!board ? (
          <Loading label={t('common.loading')} />
        ) : (
          <>
            {/* Keyed by the call: a new call re-mounts it, so the flash starts again even mid-flash. */}
            <section
              key={flash ?? 'still'}
              className={`board-now${flash !== null ? ' board-flash' : ''}`}
              aria-labelledby={`${id}-now`}
              data-testid="board-now"
            >
              <h2 id={`${id}-now`} className="board-now-title">
                {t('board.nowCalling')}
              </h2>
              {latest ? (
                <>
                  <p className="board-now-label" data-testid="board-now-label">
                    {latest.label}
                  </p>
                  <p className="board-now-counter">
                    <span aria-hidden="true">→ </span>
                    {counterName(latest)}
                  </p>
                  {latest.priority && <p className="board-now-priority">{t('board.priority')}</p>}
                </>
              ) : (
                <p className="board-none">{t('board.nobody')}</p>
              )}
            </section>
            <section className="board-latest" aria-labelledby={`${id}-latest`}>
              <h2 id={`${id}-latest`}>{t('board.latest')}</h2>
              {board.calls.length > 1 ? (
                <table className="board-table">
                  <thead>
                    <tr>
                      <th scope="col">{t('board.number')}</th>
                      <th scope="col">{t('board.counter')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {board.calls.slice(1).map((c) => (
                      <tr key={c.ticketId}>
                        <th scope="row" className="board-table-label">
                          {c.label}
                        </th>
                        <td>{counterName(c)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <p className="board-none">{t('board.noEarlier')}</p>
              )}
            </section>
            <section className="board-waiting" aria-labelledby={`${id}-waiting`}>
              <h2 id={`${id}-waiting`}>{t('board.waitingTitle')}</h2>
              <ul className="board-groups">
                {board.groups.map((g) => {
                  const named = names.get(g.code);
                  return (
                    <li key={g.id} className="board-group">
                      <span className="board-group-code">{g.code}</span>
                      <span className="board-group-name">{named ? (lang === 'en' ? named.nameEn : named.nameVi) : ''}</span>
                      <span className="board-group-count" data-testid={`waiting-${g.code}`}>
                        {t('board.waiting', { count: g.waiting })}
                      </span>
                    </li>
                  );
                })}
              </ul>
            </section>
          </>
        )}
        <p className="visually-hidden" aria-live="assertive">
          {announcement}
        </p>
      </main>
    </div>
  );
}

/** A speaker, with waves when sound is on or crossed out when off (decorative: the button's text says it). */
function SpeakerIcon({ on }: { on: boolean }) {
  return (
    <svg className="board-sound-icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
      <path d="M4 9h4l5-4v14l-5-4H4z" fill="currentColor" />
      {on ? (
        <path d="M16 8.5a5 5 0 0 1 0 7M18.5 6a8.5 8.5 0 0 1 0 12" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
      ) : (
        <path d="m16 9 5 6m0-6-5 6" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
      )}
    </svg>
  );
}

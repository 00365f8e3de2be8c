/** Pieces shared by the staff pages: the session context, risk and status badges, countdowns, protected files. */
import { createContext, useContext, useEffect, useRef, useState } from 'react';
import { settle, type Problem, type Result } from '../api/client';
import { formatDateTime } from '../lib/format';
import { tOr, useStaffT, type StaffT } from './i18n';
import { staffApi, type Actor, type FormNumber } from './session';

export interface Session {
  me: Actor;
  unit: { nameVi: string; nameEn: string } | null;
  logout: () => Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

/** The logged-in staff member (inside the console's guard, always present). */
export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside the staff console');
  return s;
}

/** Roles that sit at (or manage) service points, which keep the tracking book (form 07). */
export const keepsBook = (role: string): boolean => role === 'clerk' || role === 'manager' || role === 'admin';

export type Risk = 'on_track' | 'due_soon' | 'late' | 'paused';

const RISK_CLASS: Record<Risk, string> = { on_track: 'risk-ok', due_soon: 'risk-soon', late: 'risk-late', paused: 'risk-paused' };
const RISK_ICON: Record<Risk, string> = { on_track: '●', due_soon: '▲', late: '■', paused: '❚❚' };

/** The risk as colour, a shape and words (never colour alone). */
export function RiskBadge({ risk }: { risk: Risk | null }) {
  const { t } = useStaffT();
  if (!risk) return <span className="muted">{t('risk.none')}</span>;
  return (
    <span className={`risk ${RISK_CLASS[risk]}`}>
      <span aria-hidden="true" className="risk-icon">
        {RISK_ICON[risk]}
      </span>
      {t(`risk.${risk}`)}
    </span>
  );
}

/** "còn 2 ngày 3 giờ" / "quá 5 giờ": time to (or past) the due date, rounded to what matters. */
export function countdown(t: StaffT, dueAt: string, now: number): string {
  const ms = Date.parse(dueAt) - now;
  const abs = Math.abs(ms);
  const days = Math.floor(abs / 86_400_000);
  const hours = Math.floor((abs % 86_400_000) / 3_600_000);
  const minutes = Math.max(1, Math.floor((abs % 3_600_000) / 60_000));
  const time =
    days > 0
      ? `${t('countdown.days', { count: days })}${hours ? ` ${t('countdown.hours', { count: hours })}` : ''}`
      : hours > 0
        ? t('countdown.hours', { count: hours })
        : t('countdown.minutes', { count: minutes });
  return ms >= 0 ? t('countdown.left', { time }) : t('countdown.over', { time });
}

/** The due date with its countdown, refreshed every minute. */
export function DueCell({ dueAt, paused }: { dueAt: string | null; paused?: boolean }) {
  const { t, lang } = useStaffT();
  const now = useNow();
  if (!dueAt) return <span className="muted">{t('countdown.noDue')}</span>;
  return (
    <span className="due">
      <span className="due-date">{formatDateTime(dueAt, lang)}</span>
      {!paused && <span className="due-left">{countdown(t, dueAt, now)}</span>}
    </span>
  );
}

export function useNow(everyMs = 60_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}

const STATUS_TONE: Record<string, string> = {
  submitted: 'status-blue',
  received: 'status-blue',
  processing: 'status-blue',
  supplement_requested: 'status-amber',
  awaiting_payment: 'status-amber',
  result_ready: 'status-green',
  returned: 'status-green',
  refused: 'status-grey',
  withdrawn: 'status-grey',
  stopped: 'status-grey',
};

export function StatusBadge({ status }: { status: string }) {
  const { t } = useStaffT();
  return <span className={`status-chip ${STATUS_TONE[status] ?? 'status-grey'}`}>{tOr(t, `status.${status}`, status)}</span>;
}

/** Fetches a protected PDF form (the token goes in the header, so a plain link cannot do it). */
export function fetchForm(code: string, form: FormNumber): Promise<Result<Blob>> {
  return settle(staffApi.GET('/dossiers/{code}/forms/{form}', { params: { path: { code, form } }, parseAs: 'blob' }));
}

/** Settles a GET parsed as a blob whose generated body type is not Blob (the API declares these bodies as bytes). */
function settleBlob(call: Promise<{ error?: unknown; response: Response }>): Promise<Result<Blob>> {
  return settle(call as Promise<{ data?: Blob; error?: unknown; response: Response }>);
}

/** Fetches a stored file (a component's scan, a result) with the token. */
export function fetchFile(sha256: string): Promise<Result<Blob>> {
  return settleBlob(staffApi.GET('/files/{sha256}', { params: { path: { sha256 } }, parseAs: 'blob' }));
}

/** Fetches the e-receipt of a dossier's payment (PDF) with the token. */
export function fetchReceipt(code: string, txnRef: string): Promise<Result<Blob>> {
  return settleBlob(
    staffApi.GET('/dossiers/{code}/payments/{txnRef}/receipt.pdf', { params: { path: { code, txnRef } }, parseAs: 'blob' }),
  );
}

/**
 * A button that fetches a protected blob and opens it in a new tab; the tab is opened at the click
 * (before the fetch) so pop-up blockers let it through. A download link stays beside it afterwards.
 */
export function BlobButton({
  label,
  fileName,
  load,
  className = 'button button-secondary',
}: {
  label: string;
  fileName: string;
  load: () => Promise<Result<Blob>>;
  className?: string;
}) {
  const { t } = useStaffT();
  const [busy, setBusy] = useState(false);
  const [url, setUrl] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [blocked, setBlocked] = useState(false);
  const urlRef = useRef<string | null>(null);
  useEffect(
    () => () => {
      if (urlRef.current) URL.revokeObjectURL(urlRef.current);
    },
    [],
  );
  const open = async () => {
    setBusy(true);
    setProblem(null);
    const w = window.open('', '_blank');
    const r = await load();
    setBusy(false);
    if (!r.ok) {
      w?.close();
      setProblem(r.problem);
      return;
    }
    if (urlRef.current) URL.revokeObjectURL(urlRef.current);
    const u = URL.createObjectURL(r.data);
    urlRef.current = u;
    setUrl(u);
    if (w) {
      w.location.href = u;
      setBlocked(false);
    } else setBlocked(true);
  };
  return (
    <span className="blob-button">
      <button type="button" className={className} onClick={() => void open()} disabled={busy} aria-busy={busy}>
        {busy ? t('forms.opening') : label}
      </button>
      <span aria-live="polite" className="blob-status">
        {blocked && <span className="small">{t('forms.blocked')} </span>}
        {url && (
          <a href={url} download={fileName} className="small blob-download">
            {t('forms.download', { name: fileName })}
          </a>
        )}
        {problem && (
          <span className="field-error" role="alert">
            {problem.status} {problem.code}: {problem.detail}
          </span>
        )}
      </span>
    </span>
  );
}

/** Uploads one file with the staff token (multipart, part "file"). */
export function uploadStaffFile(file: File): Promise<Result<{ sha256: string; size: number; mime: string }>> {
  const form = new FormData();
  form.append('file', file, file.name);
  return settle(staffApi.POST('/files', { body: form as never }));
}

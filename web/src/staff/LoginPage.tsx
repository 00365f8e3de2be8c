import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { settle, type Problem } from '../api/client';
import { PageHeading } from '../components/PageHeading';
import { usePageTitle } from '../lib/page';
import { useStaffT } from './i18n';
import { getToken, setToken, staffApi } from './session';

/** /can-bo/dang-nhap — staff log-in; the token is kept for this tab only (sessionStorage). */
export default function LoginPage() {
  const { t } = useStaffT();
  usePageTitle(t('login.title'));
  const id = useId();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = params.get('next');
  const target = next && next.startsWith('/can-bo') && !next.startsWith('/can-bo/dang-nhap') ? next : '/can-bo';
  const expired = params.get('het-han') === '1';
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; problem?: Problem } | null>(null);
  const errorRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    // Already logged in (a second visit to this page): straight on.
    if (getToken() && !expired) navigate(target, { replace: true });
  }, [expired, navigate, target]);
  useEffect(() => {
    if (error) errorRef.current?.focus();
  }, [error]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!username.trim() || !password) {
      setError({ message: t('login.required') });
      return;
    }
    setBusy(true);
    setError(null);
    const r = await settle(staffApi.POST('/auth/login', { body: { username: username.trim(), password } }));
    setBusy(false);
    if (!r.ok) {
      setError(
        r.problem.status === 401
          ? { message: t('login.failed') }
          : { message: `${r.problem.status} ${r.problem.code}`, problem: r.problem },
      );
      return;
    }
    setToken(r.data.token);
    navigate(target, { replace: true });
  };

  return (
    <div className="container page narrow staff-login">
      <PageHeading>{t('login.title')}</PageHeading>
      <p className="lead">{t('login.lead')}</p>
      {expired && !error && (
        <div className="notice" role="status">
          <p>{t('login.expired')}</p>
        </div>
      )}
      <form
        className="card staff-login-form"
        onSubmit={(e) => void submit(e)}
        noValidate
        aria-describedby={error ? `${id}-err` : undefined}
      >
        <div ref={errorRef} tabIndex={-1} id={`${id}-err`} aria-live="assertive">
          {error && (
            <div className="alert alert-error" role="alert">
              <p className="alert-title">{error.message}</p>
              {error.problem && (
                <p className="alert-detail" lang="en">
                  {error.problem.detail}
                </p>
              )}
            </div>
          )}
        </div>
        <div className="field">
          <label htmlFor={`${id}-u`}>{t('login.username')}</label>
          <input
            id={`${id}-u`}
            type="text"
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            required
            aria-invalid={error && !username.trim() ? true : undefined}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-p`}>{t('login.password')}</label>
          <input
            id={`${id}-p`}
            type="password"
            name="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
            aria-invalid={error && !password ? true : undefined}
          />
        </div>
        <button type="submit" className="button button-primary button-block" disabled={busy} aria-busy={busy}>
          {busy ? t('login.submitting') : t('login.submit')}
        </button>
      </form>
    </div>
  );
}

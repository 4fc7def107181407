import { useState, type FormEvent } from 'react';
import { Navigate, useSearchParams } from 'react-router';
import { useI18n } from '../i18n/i18n';
import { apiClient, ApiError } from '../lib/api-client';
import { LanguageToggle, useRoot } from './app-shell';

/** Sign in; afterwards go back to the deep link that asked for it. */
export function LoginPage() {
  const i18n = useI18n();
  const { t } = i18n;
  const { session } = useRoot();
  const [params] = useSearchParams();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = params.get('next');
  if (session)
    return <Navigate to={next && next.startsWith('/') && !next.startsWith('//') ? next : '/inbox'} replace />;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await apiClient.login(email, password);
    } catch (err) {
      // A wrong password is a 401: say so plainly rather than "session ended".
      setError(
        err instanceof ApiError && err.status === 401
          ? i18n.error(new ApiError(401, 'INVALID_CREDENTIALS', ''))
          : i18n.error(err),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="center">
      <LanguageToggle />
      <form className="login" onSubmit={(e) => void submit(e)} aria-label={t('signIn')}>
        <h1>{t('appName')}</h1>
        <label>
          {t('email')}
          <input
            name="email"
            type="email"
            autoComplete="username"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
            autoFocus
          />
        </label>
        <label>
          {t('password')}
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {t('signIn')}
        </button>
      </form>
    </main>
  );
}

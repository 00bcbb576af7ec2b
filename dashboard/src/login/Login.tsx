import { useState } from 'preact/hooks';
import { requestCode as sendCode, verifyCode } from '../api/auth';
import { ApiError } from '../api/errors';
import { rememberSession } from '../api/session';
import { ErrorNote } from '../ui';

// Email → an 8-digit code from the email → a session. No passwords anywhere.
export function Login(props: { onLoggedIn: () => void }) {
  const [email, setEmail] = useState('');
  const [code, setCode] = useState('');
  const [codeSent, setCodeSent] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const requestCode = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await sendCode(email);
      setCodeSent(true);
    });
  };

  const verify = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const session = await verifyCode(email, code.trim());
      rememberSession(session.token);
      props.onLoggedIn();
    });
  };

  return (
    <main class="login">
      <div class="card login-card">
        <h1><span class="logo" aria-hidden="true">⚡</span> Zapnoty Helpdesk</h1>
        {!codeSent ? (
          <form onSubmit={requestCode}>
            <p class="muted">Log in with your work email; we send you a one-time code.</p>
            <label for="login-email">Email</label>
            <input id="login-email" type="email" required autoComplete="email" value={email}
              onInput={(e) => setEmail(e.currentTarget.value)} autoFocus />
            <button class="primary" type="submit" disabled={busy}>Send code</button>
          </form>
        ) : (
          <form onSubmit={verify}>
            <p class="muted">We sent an 8-digit code to <strong>{email}</strong>. It is valid for 10 minutes.</p>
            <label for="login-code">Code</label>
            <input id="login-code" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{8}" maxLength={8} required
              value={code} onInput={(e) => setCode(e.currentTarget.value)} autoFocus />
            <button class="primary" type="submit" disabled={busy}>Log in</button>
            <button type="button" class="link" onClick={() => { setCodeSent(false); setCode(''); setError(null); }}>Use another email</button>
          </form>
        )}
        <LoginError error={error} />
      </div>
    </main>
  );
}

function LoginError({ error }: { error: unknown }) {
  if (error instanceof ApiError && error.status === 429 && error.retryAfterSeconds)
    return <ErrorNote error={new Error(`${error.message} (you can try again in ${waitText(error.retryAfterSeconds)}.)`)} />;
  return <ErrorNote error={error} />;
}

function waitText(seconds: number): string {
  return seconds < 90 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
}

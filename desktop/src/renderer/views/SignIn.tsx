import { useState, type FormEvent } from 'react';
import type { PosternBridge, SessionView } from '../../common/bridge.ts';
import { fieldErrorsFrom, type FieldErrors } from '../logic/field-errors.ts';
import { Field, FormError } from './ui.tsx';

const SIGN_IN_FIELDS = new Set(['serverUrl', 'email', 'password']);

export function SignIn({ bridge, onSignedIn, initialServerUrl }: { bridge: PosternBridge; onSignedIn(session: SessionView): void; initialServerUrl: string }) {
  const [serverUrl, setServerUrl] = useState(initialServerUrl);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      onSignedIn(await bridge.call('session.signIn', { serverUrl, email, password }));
    } catch (error) {
      const found = fieldErrorsFrom(error);
      // Sign-in errors that name no field of this form (wrong password, unreachable) show on top.
      const general = Object.entries(found).filter(([path]) => !SIGN_IN_FIELDS.has(path)).map(([, message]) => message);
      setErrors({ ...found, '': general.join(' ') });
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <form className="signin-card" onSubmit={submit} noValidate>
        <div className="brand brand-large"><span className="brand-mark" aria-hidden="true">P</span>Postern</div>
        <p className="muted">Sign in to reach your servers and clusters.</p>
        <FormError message={errors['']} />
        <Field label="Server URL" name="serverUrl" error={errors.serverUrl}>
          <input id="serverUrl" value={serverUrl} onChange={(e) => setServerUrl(e.target.value)} placeholder="https://postern.example.com" autoComplete="url" required />
        </Field>
        <Field label="Email" name="email" error={errors.email}>
          <input id="email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="username" required />
        </Field>
        <Field label="Password" name="password" error={errors.password}>
          <input id="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" required />
        </Field>
        <button className="button button-primary button-block" type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </main>
  );
}

import { useEffect, useState, type FormEvent } from 'react';
import { zCreateAccount, zUpdateAccount, type AccountType } from '@postern/shared/schemas/accounts';
import type { Account, Resource, SshCaSetup as SshCaSetupInfo } from '../../common/api-types.ts';
import type { PosternBridge } from '../../common/bridge.ts';
import {
  ACCOUNT_FIELD_PATHS, ACCOUNT_TYPE_LABELS, ACCOUNT_TYPES_OF, createAccountBody, emptyAccountForm, formFromAccount, updateAccountBody, type AccountForm,
} from '../logic/account-form.ts';
import { fieldErrorsFrom, validateWith, withoutField, type FieldErrors } from '../logic/field-errors.ts';
import { Field, FormError } from './ui.tsx';

export interface AccountEditorProps {
  bridge: PosternBridge;
  resource: Resource;
  account: Account | undefined;
  onSaved(account: Account): void;
  onCancel(): void;
}

/** Placeholder of a stored secret: the secret itself never comes back from the server. */
const UNCHANGED = '•••••••• unchanged';

export function AccountEditor({ bridge, resource, account, onSaved, onCancel }: AccountEditorProps) {
  const [form, setForm] = useState<AccountForm>(() => (account ? formFromAccount(account) : emptyAccountForm(resource.type)));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof AccountForm>(key: K, value: AccountForm[K]) => {
    setForm((current) => ({ ...current, [key]: value }));
    setErrors((current) => withoutField(current, ACCOUNT_FIELD_PATHS[key]));
  };
  const secretPlaceholder = (type: AccountType) => (account && account.type === type && account.hasSecret ? UNCHANGED : '');

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      if (account) {
        const checked = validateWith(zUpdateAccount, updateAccountBody(form, account));
        if (!checked.ok) return setErrors(checked.errors);
        onSaved(await bridge.call('accounts.update', { accountId: account.id, changes: checked.value }));
      } else {
        const checked = validateWith(zCreateAccount, createAccountBody(form, resource.id));
        if (!checked.ok) return setErrors(checked.errors);
        onSaved(await bridge.call('accounts.create', checked.value));
      }
    } catch (error) {
      setErrors(fieldErrorsFrom(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="subform" onSubmit={submit} noValidate aria-label={account ? `Edit account ${account.name}` : 'New account'}>
      <h3>{account ? `Edit ${account.name}` : 'New account'}</h3>
      <FormError message={errors['']} />
      <div className="form-grid">
        <Field label="Name" name="account.name" error={errors.name}>
          <input id="account.name" value={form.name} onChange={(e) => set('name', e.target.value)} placeholder={resource.type === 'ssh' ? 'ops' : 'viewer'} />
        </Field>
        <Field label="Credential" name="credential.type" error={errors['credential.type']}>
          <select id="credential.type" value={form.type} onChange={(e) => set('type', e.target.value as AccountType)}>
            {ACCOUNT_TYPES_OF[resource.type].map((type) => <option key={type} value={type}>{ACCOUNT_TYPE_LABELS[type]}</option>)}
          </select>
        </Field>
        <CredentialFields form={form} errors={errors} set={set} placeholder={secretPlaceholder} />
        <Field label="Description" name="account.description" error={errors.description}>
          <input id="account.description" value={form.description} onChange={(e) => set('description', e.target.value)} placeholder="Optional" />
        </Field>
      </div>
      {form.type === 'ssh-key' ? <PrivateKeyFields form={form} errors={errors} set={set} placeholder={secretPlaceholder} /> : null}
      {form.type === 'ssh-certificate' ? <SshCaSetup bridge={bridge} resource={resource} /> : null}
      <div className="form-actions form-actions-end">
        <button type="button" className="button" onClick={onCancel}>Cancel</button>
        <button type="submit" className="button button-primary" disabled={busy}>{account ? 'Save account' : 'Add account'}</button>
      </div>
    </form>
  );
}

/** Certificate accounts need the server to trust the resource's CA: the script that sets it up. */
function SshCaSetup({ bridge, resource }: { bridge: PosternBridge; resource: Resource }) {
  const [state, setState] = useState<{ setup?: SshCaSetupInfo; error?: string }>({});
  useEffect(() => {
    let live = true;
    bridge.call('resources.sshCaSetup', { resourceId: resource.id }).then(
      (setup) => { if (live) setState({ setup }); },
      (error: unknown) => { if (live) setState({ error: error instanceof Error ? error.message : String(error) }); },
    );
    return () => { live = false; };
  }, [bridge, resource.id]);
  const { setup, error } = state;
  return (
    <div className="callout">
      <strong>Set up certificate logins on {resource.name}</strong>
      <p className="muted small">Each session logs in with a fresh certificate signed by this resource's CA, so {resource.name}'s sshd must trust that CA. Run this once on it, as root, with <code>POSTERN_TOKEN=$(postern token)</code> (it is safe to run again):</p>
      {setup ? (
        <>
          <pre className="command" data-testid="ssh-ca-setup">{`curl -fsS -H "Authorization: Bearer $POSTERN_TOKEN" \\\n  ${setup.scriptUrl} \\\n  | sudo sh`}</pre>
          <details>
            <summary className="small">Or add the CA key to TrustedUserCAKeys yourself, or read the script first</summary>
            <pre className="command">{setup.caPublicKey}</pre>
            <pre className="command command-scroll">{setup.script}</pre>
          </details>
        </>
      ) : null}
      {error ? <p className="field-error">The setup step could not be loaded: {error}</p> : null}
      {!setup && !error ? <p className="muted small">Loading the setup step…</p> : null}
    </div>
  );
}

interface CredentialFieldsProps {
  form: AccountForm;
  errors: FieldErrors;
  set<K extends keyof AccountForm>(key: K, value: AccountForm[K]): void;
  /** "unchanged" when the stored credential of this type has a secret; the secret is never shown. */
  placeholder(type: AccountType): string;
}

function CredentialFields({ form, errors, set, placeholder: secretPlaceholder }: CredentialFieldsProps) {
  return (
    <>
      {form.type !== 'kubernetes-token' ? (
        <Field label="Login name on the server" name="credential.username" error={errors['credential.username']}>
          <input id="credential.username" className="mono" value={form.username} onChange={(e) => set('username', e.target.value)} placeholder="ubuntu" />
        </Field>
      ) : null}
      {form.type === 'ssh-password' ? (
        <Field label="Password" name="credential.password" error={errors['credential.password']} hint="Write-only: stored encrypted, never shown again.">
          <input id="credential.password" type="password" autoComplete="new-password" value={form.password} placeholder={secretPlaceholder('ssh-password')} onChange={(e) => set('password', e.target.value)} />
        </Field>
      ) : null}
      {form.type === 'kubernetes-token' ? (
        <Field label="Service-account token" name="credential.token" error={errors['credential.token']} hint="Write-only: stored encrypted, never shown again.">
          <input id="credential.token" type="password" autoComplete="off" className="mono" value={form.token} placeholder={secretPlaceholder('kubernetes-token')} onChange={(e) => set('token', e.target.value)} />
        </Field>
      ) : null}
    </>
  );
}

function PrivateKeyFields({ form, errors, set, placeholder: secretPlaceholder }: CredentialFieldsProps) {
  return (
    <div className="form-grid">
      <Field label="Private key (OpenSSH)" name="credential.privateKey" error={errors['credential.privateKey']} hint="Write-only: the public half is shown after saving, to install on the server.">
        <textarea id="credential.privateKey" className="mono" rows={4} value={form.privateKey} placeholder={secretPlaceholder('ssh-key') || '-----BEGIN OPENSSH PRIVATE KEY-----'} onChange={(e) => set('privateKey', e.target.value)} />
      </Field>
      <Field label="Passphrase" name="credential.passphrase" error={errors['credential.passphrase']}>
        <input id="credential.passphrase" type="password" autoComplete="off" value={form.passphrase} placeholder={secretPlaceholder('ssh-key') ? UNCHANGED : 'Only if the key has one'} onChange={(e) => set('passphrase', e.target.value)} />
      </Field>
    </div>
  );
}

import { useState } from 'react';
import type { Account, Resource } from '../../common/api-types.ts';
import type { PosternBridge } from '../../common/bridge.ts';
import { ACCOUNT_TYPE_LABELS } from '../logic/account-form.ts';
import { fieldErrorsFrom } from '../logic/field-errors.ts';
import { AccountEditor } from './AccountEditor.tsx';
import { EmptyState, FormError } from './ui.tsx';

type Editing = { mode: 'create' } | { mode: 'edit'; account: Account } | undefined;

export function AccountsPanel({ bridge, resource, accounts, onChanged }: { bridge: PosternBridge; resource: Resource; accounts: Account[]; onChanged(): void }) {
  const [editing, setEditing] = useState<Editing>();
  const [error, setError] = useState<string>();

  const remove = async (account: Account) => {
    setError(undefined);
    try {
      await bridge.call('accounts.delete', { accountId: account.id });
      onChanged();
    } catch (failure) {
      setError(Object.values(fieldErrorsFrom(failure)).join(' '));
    }
  };

  return (
    <section className="card accounts" aria-labelledby="accounts-title">
      <div className="card-header">
        <div>
          <h2 id="accounts-title">Accounts</h2>
          <p className="muted small">The logins people use on this resource. Their secrets stay on the server; nobody sees them again.</p>
        </div>
        {editing ? null : <button type="button" className="button button-primary button-small" onClick={() => setEditing({ mode: 'create' })}>Add account</button>}
      </div>
      <FormError message={error} />
      {editing ? (
        <AccountEditor key={editing.mode === 'edit' ? editing.account.id : 'new'} bridge={bridge} resource={resource}
          account={editing.mode === 'edit' ? editing.account : undefined}
          onSaved={() => { setEditing(undefined); onChanged(); }} onCancel={() => setEditing(undefined)} />
      ) : null}
      {accounts.length === 0 && !editing ? <EmptyState title="No accounts yet">Add the login that people will use on {resource.name}.</EmptyState> : null}
      {accounts.length > 0 ? (
        <table className="table">
          <thead><tr><th>Name</th><th>Login</th><th>Credential</th><th aria-label="Actions" /></tr></thead>
          <tbody>
            {accounts.map((account) => (
              <tr key={account.id} data-account={account.name}>
                <td><strong>{account.name}</strong>{account.description ? <div className="muted small">{account.description}</div> : null}</td>
                <td className="mono">{account.username ?? '—'}</td>
                <td>
                  {ACCOUNT_TYPE_LABELS[account.type]}
                  {account.publicKey ? (
                    <details>
                      <summary className="small mono">{account.publicKeyFingerprint ?? 'Public key'}</summary>
                      <pre className="command">{account.publicKey}</pre>
                    </details>
                  ) : null}
                </td>
                <td className="row-actions">
                  <button type="button" className="button button-small" onClick={() => setEditing({ mode: 'edit', account })}>Edit</button>
                  <button type="button" className="button button-small button-danger-ghost" onClick={() => remove(account)} aria-label={`Delete account ${account.name}`}>Delete</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

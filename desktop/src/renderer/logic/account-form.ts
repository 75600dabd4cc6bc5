import type { Account } from '../../common/api-types.ts';
import type { AccountType } from '@postern/shared/schemas/accounts';
import type { ResourceType } from '@postern/shared/schemas/resources';

/**
 * The account editor's form and its request bodies. Secrets are write-only: an existing account's
 * secret fields start empty (shown as "unchanged"); leaving them empty and the login name as it
 * was keeps the stored credential, anything else replaces it whole.
 */
export interface AccountForm {
  name: string;
  description: string;
  type: AccountType;
  username: string;
  password: string;
  privateKey: string;
  passphrase: string;
  token: string;
}

export const ACCOUNT_TYPES_OF: Record<ResourceType, AccountType[]> = {
  ssh: ['ssh-certificate', 'ssh-key', 'ssh-password'],
  kubernetes: ['kubernetes-token'],
};

export const ACCOUNT_TYPE_LABELS: Record<AccountType, string> = {
  'ssh-certificate': 'Certificate (recommended)',
  'ssh-key': 'Private key',
  'ssh-password': 'Password',
  'kubernetes-token': 'Service-account token',
};

export function emptyAccountForm(resourceType: ResourceType): AccountForm {
  return { name: '', description: '', type: ACCOUNT_TYPES_OF[resourceType][0]!, username: '', password: '', privateKey: '', passphrase: '', token: '' };
}

export function formFromAccount(account: Account): AccountForm {
  return { name: account.name, description: account.description, type: account.type, username: account.username ?? '', password: '', privateKey: '', passphrase: '', token: '' };
}

export function credentialBody(form: AccountForm): Record<string, unknown> {
  switch (form.type) {
    case 'ssh-password': return { type: form.type, username: form.username, password: form.password };
    case 'ssh-key': return { type: form.type, username: form.username, privateKey: form.privateKey, ...(form.passphrase ? { passphrase: form.passphrase } : {}) };
    case 'ssh-certificate': return { type: form.type, username: form.username };
    case 'kubernetes-token': return { type: form.type, token: form.token };
  }
}

const hasNewSecret = (form: AccountForm) => Boolean(form.password || form.privateKey || form.passphrase || form.token);

/** Whether saving an edit must send a credential (otherwise the stored one is kept). */
export function credentialChanged(form: AccountForm, existing: Account): boolean {
  return form.type !== existing.type || form.username !== (existing.username ?? '') || hasNewSecret(form);
}

export function createAccountBody(form: AccountForm, resourceId: string): Record<string, unknown> {
  return { resourceId, name: form.name, description: form.description, credential: credentialBody(form) };
}

export function updateAccountBody(form: AccountForm, existing: Account): Record<string, unknown> {
  return { name: form.name, description: form.description, ...(credentialChanged(form, existing) ? { credential: credentialBody(form) } : {}) };
}

/** The API field path each form input reports errors under. */
export const ACCOUNT_FIELD_PATHS: Record<keyof AccountForm, string> = {
  name: 'name', description: 'description', type: 'credential.type', username: 'credential.username', password: 'credential.password',
  privateKey: 'credential.privateKey', passphrase: 'credential.passphrase', token: 'credential.token',
};

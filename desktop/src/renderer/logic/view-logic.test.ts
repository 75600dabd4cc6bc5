import { describe, expect, it } from 'vitest';
import { PosternError, ValidationError } from '@postern/shared/errors';
import { zCreateAccount, zUpdateAccount } from '@postern/shared/schemas/accounts';
import { zCreateKubernetesResource, zCreateSshResource } from '@postern/shared/schemas/resources';
import type { Account, Resource } from '../../common/api-types.ts';
import type { ResourceEntry } from '../../common/bridge.ts';
import { createAccountBody, credentialChanged, emptyAccountForm, formFromAccount, updateAccountBody } from './account-form.ts';
import { canEdit, countByType, filterEntries } from './browse.ts';
import { fieldErrorsFrom, validateWith, withoutField } from './field-errors.ts';
import { emptyResourceForm, formFromResource, parsePort, resourceBody, tlsWarning } from './resource-form.ts';
import { initialTheme } from './theme.ts';

const ids = { projectId: '0b1c5a52-3f0e-4c5e-9d0a-6f2f6f1e9a10', gatewayId: '1b1c5a52-3f0e-4c5e-9d0a-6f2f6f1e9a10', resourceId: '2b1c5a52-3f0e-4c5e-9d0a-6f2f6f1e9a10' };
const stamps = { createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', orgId: ids.projectId, projectId: ids.projectId };
const ssh: Resource = { ...stamps, id: ids.resourceId, type: 'ssh', name: 'web-1', description: '', gatewayId: ids.gatewayId, host: 'web-1.internal', port: 2222 };
const k8s: Resource = { ...stamps, id: ids.gatewayId, type: 'kubernetes', name: 'prod', description: '', gatewayId: ids.gatewayId, url: 'https://10.0.0.1:6443', tls: { verify: false }, warnings: ['tls off'] };
const account: Account = {
  ...stamps, id: ids.projectId, resourceId: ids.resourceId, name: 'ops', description: '', type: 'ssh-password', username: 'ops',
  hasSecret: true, publicKey: null, publicKeyFingerprint: null,
};
const entries: ResourceEntry[] = [
  { resource: ssh, gateway: { id: ids.gatewayId, orgId: ids.projectId, name: 'edge-us-1', description: '' }, accounts: [account] },
  { resource: k8s, gateway: null, accounts: [] },
];

describe('resource browser filter', () => {
  it.each([
    ['', 'all', ['web-1', 'prod']],
    ['', 'kubernetes', ['prod']],
    ['WEB', 'all', ['web-1']],
    ['2222', 'all', ['web-1']],
    ['edge-us', 'all', ['web-1']],
    ['ops', 'all', ['web-1']],
    ['6443', 'ssh', []],
  ] as const)('search %j, type %s', (search, type, names) => {
    expect(filterEntries(entries, search, type).map((e) => e.resource.name)).toEqual(names);
  });

  it('counts per type and knows who may edit', () => {
    expect(countByType(entries)).toEqual({ all: 2, ssh: 1, kubernetes: 1 });
    expect([canEdit('owner', undefined), canEdit('member', 'admin'), canEdit('member', 'member'), canEdit(undefined, 'auditor')]).toEqual([true, true, false, false]);
  });
});

describe('resource form', () => {
  it('round-trips a resource and builds the body the API validates', () => {
    const body = resourceBody(formFromResource(ssh));
    expect(body).toEqual({ name: 'web-1', description: '', gatewayId: ids.gatewayId, host: 'web-1.internal', port: 2222 });
    expect(zCreateSshResource.safeParse({ projectId: ids.projectId, ...body }).success).toBe(true);
  });

  it('keeps a port that is not digits as text, so the schema reports it beside the port', () => {
    expect([parsePort(' 22 '), parsePort('22a'), parsePort('')]).toEqual([22, '22a', '']);
    const form = { ...emptyResourceForm('ssh', []), name: 'w', gatewayId: ids.gatewayId, host: 'w.internal', port: '70000' };
    const checked = validateWith(zCreateSshResource, { projectId: ids.projectId, ...resourceBody(form) });
    expect(checked).toEqual({ ok: false, errors: { port: 'The port must be a whole number from 1 to 65535.' } });
  });

  it('sends tls verify=false without a CA, and warns about it', () => {
    const form = formFromResource(k8s);
    expect(resourceBody(form)).toMatchObject({ tls: { verify: false } });
    expect(tlsWarning(form)).toMatch(/^TLS verification is off/);
    expect(tlsWarning({ ...form, verifyTls: true })).toBeNull();
    const withCa = resourceBody({ ...form, verifyTls: true, caCertificate: 'nope' });
    const checked = validateWith(zCreateKubernetesResource, { projectId: ids.projectId, ...withCa });
    expect(checked.ok === false && Object.keys(checked.errors)).toEqual(['tls.caCertificate']);
  });
});

describe('account form: secrets are write-only', () => {
  it('starts an existing account with empty secret fields and keeps the stored credential when they stay empty', () => {
    const form = formFromAccount(account);
    expect(form.password).toBe('');
    expect(credentialChanged(form, account)).toBe(false);
    expect(updateAccountBody({ ...form, name: 'renamed' }, account)).toEqual({ name: 'renamed', description: '' });
  });

  it('replaces the whole credential when the login or a secret changes; the schema then wants the secret again', () => {
    const form = { ...formFromAccount(account), username: 'root' };
    expect(credentialChanged(form, account)).toBe(true);
    const checked = validateWith(zUpdateAccount, updateAccountBody(form, account));
    expect(checked.ok === false && checked.errors).toEqual({ 'credential.password': 'Give the password.' });
    expect(updateAccountBody({ ...form, password: 'new' }, account)).toMatchObject({ credential: { type: 'ssh-password', username: 'root', password: 'new' } });
  });

  it('creates certificate accounts without any secret', () => {
    const body = createAccountBody({ ...emptyAccountForm('ssh'), name: 'ops', username: 'ops' }, ids.resourceId);
    expect(body).toEqual({ resourceId: ids.resourceId, name: 'ops', description: '', credential: { type: 'ssh-certificate', username: 'ops' } });
    expect(zCreateAccount.safeParse(body).success).toBe(true);
    expect(emptyAccountForm('kubernetes').type).toBe('kubernetes-token');
  });
});

describe('field errors', () => {
  it('places server validation issues beside the field, unwrapping the bridge\'s "changes."', () => {
    const error = new ValidationError('bad', { issues: [{ path: 'changes.port', message: 'Bad port' }, { path: 'changes.port', message: 'second' }, { path: 'name', message: 'Bad name' }] });
    expect(fieldErrorsFrom(error)).toEqual({ port: 'Bad port', name: 'Bad name' });
  });

  it('puts a conflict on its field, anything else on the form', () => {
    expect(fieldErrorsFrom(new PosternError('conflict', 409, 'Name taken', { field: 'name' }))).toEqual({ name: 'Name taken' });
    expect(fieldErrorsFrom(new PosternError('gateway_not_found', 422, 'No gateway'))).toEqual({ '': 'No gateway' });
    expect(fieldErrorsFrom(new Error('boom'))).toEqual({ '': 'boom' });
  });

  it('drops only the edited field\'s error', () => {
    expect(withoutField({ port: 'x', host: 'y' }, 'port')).toEqual({ host: 'y' });
  });
});

describe('theme', () => {
  it('prefers the stored choice, then the system', () => {
    expect([initialTheme('light', true), initialTheme(null, true), initialTheme('nonsense', false)]).toEqual(['light', 'dark', 'light']);
  });
});

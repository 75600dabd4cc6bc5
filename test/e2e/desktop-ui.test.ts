import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBridgeHandlers } from '../../desktop/src/core/bridge-handlers.ts';
import { CredentialsStore } from '../../desktop/src/core/credentials-store.ts';
import { DesktopSession } from '../../desktop/src/core/session.ts';
import { createLiveServices } from '../../desktop/src/core/terminal-sessions-services.ts';
import { startDevBridge, type DevBridge } from '../../desktop/src/dev-bridge/server.ts';
import { ownerToken, postJson, startServerProcess, type ServerProcess } from '../fixtures/server-process.ts';
import { buildRenderer, launchChromium, screenshotDir as shots, seedSessions } from './desktop-harness.ts';

/**
 * The desktop renderer, built with Vite, in Debian's Chromium, over the dev bridge (the bridge
 * interface implemented over the real core) against a real server process. Screenshots of each
 * screen go to test-output/desktop/.
 */

const RELAY_TOKEN = 'ui-test-relay-enrollment-token-0123456789abcdef';

describe('desktop UI in Chromium over the dev bridge', () => {
  let server: ServerProcess;
  let bridge: DevBridge;
  let browser: Browser;
  let page: Page;
  let work: string;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'postern-ui-'));
    await mkdir(shots, { recursive: true });
    const [started] = await Promise.all([startServerProcess({ env: { POSTERN_RELAY_ENROLLMENT_TOKEN: RELAY_TOKEN } }), buildRenderer(join(work, 'renderer'))]);
    server = started;
    const token = await ownerToken(server);
    for (const name of ['edge-eu-1', 'edge-us-1']) await postJson(server, token, `/api/v1/orgs/${server.orgId}/gateways`, { name });
    let devBridge: DevBridge | undefined;
    const session = new DesktopSession({ store: new CredentialsStore(join(work, 'config')), onChange: (signedIn) => devBridge?.emit('session.changed', { signedIn }) });
    const live = createLiveServices({ dataDir: join(work, 'config'), shell: { shell: '/bin/sh', env: {}, cwd: work }, emit: (event, payload) => devBridge?.emit(event, payload) });
    devBridge = await startDevBridge({ rendererDir: join(work, 'renderer'), handlers: createBridgeHandlers(session, live) });
    bridge = devBridge;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    page.setDefaultTimeout(10_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await bridge?.close();
    await server?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  const fieldError = (field: string) => page.locator(`[data-field="${field}"] .field-error`);

  it('signs in: a wrong password is explained, the right one opens the project', async () => {
    await page.goto(bridge.url);
    await page.getByLabel('Server URL').fill(server.url);
    await page.getByLabel('Email').fill(server.adminEmail);
    await page.getByLabel('Password').fill('not the password');
    await shot('01-sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('The email or password is wrong');
    await shot('02-sign-in-wrong-password');

    await page.getByLabel('Password').fill(server.adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Default Project' }).waitFor();
    await page.getByText('No resources yet').waitFor();
    await shot('03-empty-project');
  });

  it('creates an SSH server: an invalid port is shown beside the field, then a valid one saves', async () => {
    await page.getByRole('button', { name: 'New SSH server' }).click();
    await page.getByLabel('Name').fill('web-1');
    // No gateway in this test has enrolled: the picker says so beside each name and for the chosen one.
    const offline = 'offline · not enrolled';
    await expect.poll(async () => (await page.locator('#gatewayId option').allTextContents()).sort()).toEqual([`edge-eu-1 — ${offline}`, `edge-us-1 — ${offline}`]);
    await page.getByLabel('Gateway').selectOption({ label: `edge-us-1 — ${offline}` });
    expect(await page.locator('[data-field="gatewayId"] .health').textContent()).toBe(offline);
    await page.getByLabel('Host').fill('web-1.internal');
    await page.getByLabel('Port').fill('70000');
    await page.getByRole('button', { name: 'Create SSH server' }).click();
    await expect.poll(() => fieldError('port').textContent()).toBe('The port must be a whole number from 1 to 65535.');
    await expect(fieldError('host').count()).resolves.toBe(0);
    await shot('04-editor-invalid-port');

    await page.getByLabel('Port').fill('2222');
    await page.getByRole('button', { name: 'Create SSH server' }).click();
    await page.getByRole('heading', { name: 'web-1' }).waitFor();
    await page.getByRole('heading', { name: 'Accounts', exact: true }).waitFor();
    await expect(fieldError('port').count()).resolves.toBe(0);
  });

  it('adds a certificate account and shows the CA setup step', async () => {
    await page.getByRole('button', { name: 'Add account' }).click();
    await page.locator('#account\\.name').fill('ops');
    await page.getByRole('button', { name: 'Add account' }).click();
    await expect.poll(() => fieldError('credential.username').textContent()).toBe('Give the login name on the target.');
    await page.getByLabel('Login name on the server').fill('ops');
    await expect.poll(() => page.getByTestId('ssh-ca-setup').textContent()).toMatch(/ssh-ca-setup \\\n  \| sudo sh$/);
    await page.locator('.callout').scrollIntoViewIfNeeded();
    await shot('05-account-editor');
    await page.getByRole('button', { name: 'Add account' }).click();
    await page.locator('tr[data-account="ops"]').waitFor();
    await shot('06-resource-with-account');
  });

  it('keeps a password write-only: the editor shows "unchanged", a rename keeps the stored secret', async () => {
    await page.getByRole('button', { name: 'Add account' }).click();
    await page.locator('#account\\.name').fill('deploy');
    await page.getByLabel('Credential').selectOption('ssh-password');
    await page.getByLabel('Login name on the server').fill('deploy');
    await page.getByRole('button', { name: 'Add account' }).click();
    await expect.poll(() => fieldError('credential.password').textContent()).toBe('Give the password.');
    await page.getByLabel('Password', { exact: true }).fill('s3cret-password');
    await page.getByRole('button', { name: 'Add account' }).click();
    const row = page.locator('tr[data-account="deploy"]');
    await row.waitFor();

    await row.getByRole('button', { name: 'Edit' }).click();
    const password = page.getByLabel('Password', { exact: true });
    expect(await password.inputValue()).toBe('');
    expect(await password.getAttribute('placeholder')).toBe('•••••••• unchanged');
    await page.locator('.subform').scrollIntoViewIfNeeded();
    await shot('06b-account-secret-unchanged');
    await page.locator('#account\\.name').fill('deploy-bot');
    await page.getByRole('button', { name: 'Save account' }).click();
    await page.locator('tr[data-account="deploy-bot"]').waitFor();
    const token = await ownerToken(server);
    const accounts = await (await fetch(`${server.url}/api/v1/pam/accounts?projectId=${server.projectId}`, { headers: { authorization: `Bearer ${token}` } })).json() as { accounts: Array<{ name: string; hasSecret: boolean }> };
    expect(accounts.accounts.find((a) => a.name === 'deploy-bot')).toMatchObject({ hasSecret: true });
    expect(JSON.stringify(accounts)).not.toContain('s3cret-password');
    await page.locator('tr[data-account="deploy-bot"]').getByRole('button', { name: 'Delete account deploy-bot' }).click();
    await expect.poll(() => page.locator('tr[data-account="deploy-bot"]').count()).toBe(0);
  });

  it('checks reachability of the saved resource: the unenrolled gateway is reported as the reason', async () => {
    await page.getByRole('button', { name: 'Check reachability' }).click();
    const result = page.locator('.reachability [data-reachable="false"]');
    await result.waitFor();
    expect(await result.getAttribute('role')).toBe('alert');
    expect(await result.textContent()).toBe("The gateway could not reach web-1.internal:2222the resource's gateway is not enrolled");
    expect(await page.getByRole('button', { name: 'Check reachability' }).isEnabled()).toBe(true);
    await page.locator('.reachability').scrollIntoViewIfNeeded();
    await shot('06c-editor-reachability');
  });

  it('edits the resource and says it saved', async () => {
    await page.getByLabel('Description').first().fill('Public web front');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
  });

  it('browses: gateway by name, accounts, search and type filter', async () => {
    await page.getByRole('button', { name: '← Back to resources' }).click();
    const row = page.locator('li[data-resource="web-1"]');
    await row.waitFor();
    expect(await row.textContent()).toMatch(/web-1SSHweb-1\.internal:2222·via edge-us-1Public web frontops/);

    await page.getByRole('button', { name: 'New Kubernetes cluster' }).click();
    await page.getByLabel('Name').fill('prod-cluster');
    await page.getByLabel('API server URL').fill('https://10.0.0.1:6443');
    await page.getByLabel("Verify the API server's certificate").uncheck();
    await page.locator('.banner-warning').waitFor();
    await shot('07-kubernetes-tls-off-warning');
    await page.getByRole('button', { name: 'Create Kubernetes cluster' }).click();
    await page.getByRole('heading', { name: 'prod-cluster' }).waitFor();
    await page.getByRole('button', { name: '← Back to resources' }).click();
    await page.locator('li[data-resource="prod-cluster"]').waitFor();
    await shot('08-resource-browser');

    await page.getByRole('tab', { name: /Kubernetes/ }).click();
    await expect.poll(() => page.locator('li[data-resource]').count()).toBe(1);
    await page.getByRole('tab', { name: /All/ }).click();
    await page.getByLabel('Search resources').fill('edge-us');
    await expect.poll(() => page.locator('li[data-resource]').allTextContents()).toEqual([expect.stringContaining('web-1')]);
    await page.getByLabel('Search resources').fill('');
  });

  it('looks right in the dark theme', async () => {
    await page.getByRole('button', { name: 'Dark theme' }).click();
    await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe('dark');
    await shot('09-resource-browser-dark');
    await page.locator('li[data-resource="web-1"]').getByRole('button', { name: 'Edit web-1' }).click();
    await page.getByRole('heading', { name: 'Accounts', exact: true }).waitFor();
    await page.locator('[data-field="gatewayId"] [data-health="offline"]').waitFor();
    await shot('10-editor-dark');
    await page.getByRole('button', { name: 'Light theme' }).click();
  });

  it('deletes the account, then the resource', async () => {
    await page.getByRole('button', { name: 'Delete account ops' }).click();
    await page.getByText('No accounts yet').waitFor();
    await page.getByRole('button', { name: 'Delete resource' }).click();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.locator('li[data-resource="prod-cluster"]').waitFor();
    await expect.poll(() => page.locator('li[data-resource="web-1"]').count()).toBe(0);
    await shot('11-after-delete');
    expect(consoleErrors.filter((text) => !text.includes('ssh-ca-setup') && !/status of 404/.test(text))).toEqual([]);
  });

  it('pages the session list: the newest 100, then Load more brings the rest, each once', async () => {
    await seedSessions(server, await ownerToken(server), RELAY_TOKEN, 101);
    await page.getByRole('button', { name: 'Sessions' }).click();
    const rows = page.locator('tr[data-session]');
    await expect.poll(() => rows.count()).toBe(100);
    const more = page.locator('.list-more');
    await expect.poll(() => more.textContent()).toContain('Showing the 100 most recent sessions');
    await more.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, '12-sessions-load-more.png') });
    await more.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => rows.count()).toBe(101);
    await expect.poll(() => more.count()).toBe(0);
    const ids = await rows.evaluateAll((cells) => cells.map((cell) => cell.getAttribute('data-session')));
    expect(new Set(ids).size).toBe(101);
    await page.getByRole('button', { name: 'Resources' }).click();
  }, 120_000);

  it('returns to sign-in when the sign-in is revoked elsewhere', async () => {
    const saved = JSON.parse(await readFile(join(work, 'config', 'credentials.json'), 'utf8')) as { accessToken: string };
    const revoked = await fetch(`${server.url}/api/v1/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${saved.accessToken}` } });
    expect(revoked.status).toBe(204);
    // The editor's first call (its gateway health pings) meets the revoked sign-in.
    await page.getByRole('button', { name: 'New SSH server' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.getByLabel('Server URL').inputValue()).toBe(server.url);
    await page.getByLabel('Password').fill(server.adminPassword);
    await page.getByLabel('Email').fill(server.adminEmail);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Default Project' }).waitFor();
  });

  it('signs out back to the sign-in screen', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    // The server is remembered for next time; the password is not.
    expect(await page.getByLabel('Server URL').inputValue()).toBe(server.url);
    expect(await page.getByLabel('Password').inputValue()).toBe('');
  });
});

import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createCertificateSigningRequest, generatePkiKeyPair } from '@postern/shared/pki/index';
import { formatPublicKeyLine, generateEd25519KeyPair } from '@postern/shared/ssh/keys';
import { postJson, type ServerProcess } from '../fixtures/server-process.ts';
import { createGatewayWithIdentity } from './deployment-harness.ts';

/** The desktop renderer built for the dev bridge, and Debian's Chromium, for the desktop UI tests. */

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const screenshotDir = join(repoRoot, 'test-output', 'desktop');
const CHROMIUM = '/usr/bin/chromium';

export async function buildRenderer(outDir: string): Promise<void> {
  // vite is a dependency of @postern/desktop (npm may install it under desktop/node_modules).
  const vite = join(repoRoot, 'desktop', 'node_modules', '.bin', 'vite');
  const child = spawn(vite, ['build', '--mode', 'devbridge', '--outDir', outDir, '--emptyOutDir'], { cwd: join(repoRoot, 'desktop'), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`vite build failed (${code}):\n${output}`);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-sync'],
  });
}

/** The visible text of the shown terminal tab ('' while none is shown), read without Playwright's auto-wait. */
export function activeTerminalText(page: Page): Promise<string> {
  return screenText(page, '.terminal-pane:not([hidden]) .xterm-rows');
}

/** The visible text of the playback screen. */
export function playerText(page: Page): Promise<string> {
  return screenText(page, '.player-screen .xterm-rows');
}

async function screenText(page: Page, selector: string): Promise<string> {
  const screen = page.locator(selector);
  return (await screen.count()) === 0 ? '' : screen.first().innerText({ timeout: 2_000 });
}

/**
 * Polls a terminal until its text satisfies `accept` (a pattern it must match, or a predicate),
 * for at most `timeoutMs`. A timeout names what was awaited and shows what the screen showed, so
 * a failure under load says whether the shell was slow, silent or somewhere else.
 */
export async function waitForScreen(read: () => Promise<string>, accept: RegExp | ((text: string) => boolean), what: string, timeoutMs = 15_000): Promise<string> {
  const accepts = typeof accept === 'function' ? accept : (text: string) => accept.test(text);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await read().catch((error: Error) => `<screen unreadable: ${error.message}>`);
    if (accepts(text)) return text;
    if (Date.now() > deadline) {
      throw new Error(`Waited ${timeoutMs} ms for ${what}${accept instanceof RegExp ? ` (${accept})` : ''}; the screen shows:\n${text.trimEnd() || '<nothing>'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * `count` sessions on a fresh SSH resource, opened through the API as the owner: enough for the
 * session list to page. The gateway is enrolled over HTTP only (no gateway or relay process):
 * opening a session needs an enrolled gateway and its relay, not a connection to them.
 * The server must run with POSTERN_RELAY_ENROLLMENT_TOKEN = relayToken.
 */
export async function seedSessions(server: ServerProcess, ownerToken: string, relayToken: string, count: number): Promise<{ resourceName: string }> {
  const sshHostPublicKey = formatPublicKeyLine(generateEd25519KeyPair().publicKey);
  const csr = createCertificateSigningRequest(generatePkiKeyPair(), 'postern-ui-test');
  await postJson(server, relayToken, '/api/v1/relays/enroll', { name: 'ui-relay', sshHostPublicKey, csr });
  const gateway = await createGatewayWithIdentity(server, ownerToken, 'edge-sessions');
  const [clientId, clientSecret] = gateway.token.split(':');
  const login = await postJson<{ accessToken: string }>(server, '', '/api/v1/auth/machine-identity/login', { clientId, clientSecret });
  await postJson(server, login.accessToken, '/api/v1/gateways/enroll', { sshPublicKey: sshHostPublicKey, csr });
  const resourceName = 'audit-box';
  const resource = await postJson(server, ownerToken, '/api/v1/pam/resources/ssh', { projectId: server.projectId, name: resourceName, gatewayId: gateway.gatewayId, host: '127.0.0.1', port: 22 });
  const account = await postJson(server, ownerToken, '/api/v1/pam/accounts', { resourceId: resource.id, name: 'auditor', credential: { type: 'ssh-password', username: 'auditor', password: 'not-used-here' } });
  for (let i = 0; i < count; i++) await postJson(server, ownerToken, '/api/v1/pam/sessions', { accountId: account.id, durationSeconds: 300, csr });
  return { resourceName };
}

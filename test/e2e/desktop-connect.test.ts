/**
 * Connect, the terminal tabs and playback in Chromium over the dev bridge, through the whole
 * deployment the shipped app uses: a real server process, a relay and a gateway enrolled with it
 * (each its own process), a real OpenSSH sshd and the test Kubernetes API server, all on loopback.
 * The dev bridge runs the real desktop core with its default openers, so Connect creates the
 * session on the server (real CSR, session certificates) and its stream goes client → relay
 * (outer TLS) → gateway (inner mTLS, ALPN postern-ssh / postern-k8s) → target. The gateway fetches
 * the credential, records into its encrypted spool and uploads the recording; the test ends
 * each session (an admin's terminate, the session's end) and plays it back, searches, seeks and
 * exports it. The Kubernetes tab is a real local shell where the real kubectl talks to the
 * session's local proxy. The resource editor (invalid then valid port) is in desktop-ui.test.ts.
 * Screenshots go to test-output/desktop/2x-*.png.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseAsciicast } from '@postern/shared/recording/asciicast';
import { createBridgeHandlers } from '../../desktop/src/core/bridge-handlers.ts';
import { CredentialsStore } from '../../desktop/src/core/credentials-store.ts';
import { DesktopSession } from '../../desktop/src/core/session.ts';
import { createLiveServices, type LiveServices } from '../../desktop/src/core/terminal-sessions-services.ts';
import { startDevBridge, type DevBridge } from '../../desktop/src/dev-bridge/server.ts';
import { startKubeApiServer, type KubeApiServer } from '../fixtures/kube-apiserver/index.ts';
import { postJson, startServerProcess } from '../fixtures/server-process.ts';
import { startSshd, type RunningSshd } from '../fixtures/sshd.ts';
import { activeTerminalText, buildRenderer, launchChromium, playerText, screenshotDir, waitForScreen } from './desktop-harness.ts';
import { eventually, startDeployment, type Deployment } from './deployment-harness.ts';

const RELAY_TOKEN = 'relay-enrollment-token-for-the-desktop-connect-test';
const CLUSTER_TOKEN = 'sa-token-desktop';
const SSH_RESOURCE = 'web-lab';
const CLUSTER = 'cluster-lab';

let deployment: Deployment;
let sshd: RunningSshd;
let cluster: KubeApiServer;
let devBridge: DevBridge;
let live: LiveServices;
let browser: Browser;
let page: Page;
let work: string;
const consoleErrors: string[] = [];
/** What the core sent to each tab (terminal.data), to tell output never produced from output never shown. */
const sentToTabs = new Map<string, string>();

interface SessionRow { sessionId: string; status: string; recording: { complete: boolean } | null }

async function apiGet<T>(path: string): Promise<T> {
  const response = await fetch(`${deployment.server.url}${path}`, { headers: { authorization: `Bearer ${deployment.owner}` } });
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** The sessions of one type, oldest first (the Connects of this test, in order). */
async function sessionsOf(type: 'ssh' | 'kubernetes'): Promise<SessionRow[]> {
  const { sessions } = await apiGet<{ sessions: SessionRow[] }>(`/api/v1/pam/sessions?orgId=${deployment.server.orgId}&type=${type}`);
  return sessions.reverse();
}

/**
 * Ends a session the way an admin does: the gateway's termination watch seals the final chunk
 * and its uploader sends it. Waits until the server holds the complete recording. A session
 * whose tab already ended was ended by the app itself (the user's own end): 409, nothing to do.
 */
async function endSessionAndAwaitRecording(sessionId: string): Promise<void> {
  await postJson(deployment.server, deployment.owner, `/api/v1/pam/sessions/${sessionId}/terminate`, {})
    .catch((error: Error) => { if (!/ failed: 409 /.test(error.message)) throw error; });
  await eventually(() => apiGet<SessionRow>(`/api/v1/pam/sessions/${sessionId}`), (row) => row.recording?.complete === true, 20_000)
    .catch((error: Error) => { throw new Error(`${error.message}\n${deployment.logs()}`); });
}

/** The SSH resource on the test sshd, its host key pinned by the reachability check, and the Kubernetes cluster. */
async function createResources(): Promise<void> {
  const { server, owner, gatewayId } = deployment;
  const ssh = await postJson(server, owner, '/api/v1/pam/resources/ssh', { projectId: server.projectId, name: SSH_RESOURCE, gatewayId, host: '127.0.0.1', port: sshd.port });
  const reach = await postJson(server, owner, `/api/v1/pam/resources/${ssh.id}/check-reachability`, {});
  if (!reach.ok) throw new Error(`the gateway cannot reach the test sshd: ${JSON.stringify(reach)}`);
  await postJson(server, owner, '/api/v1/pam/accounts', { resourceId: ssh.id, name: 'ops', credential: { type: 'ssh-password', username: sshd.user, password: sshd.password } });
  const k8s = await postJson(server, owner, '/api/v1/pam/resources/kubernetes', {
    projectId: server.projectId, name: CLUSTER, gatewayId, url: cluster.url, tls: { verify: true, caCertificate: cluster.caPem },
  });
  await postJson(server, owner, '/api/v1/pam/accounts', { resourceId: k8s.id, name: 'viewer', credential: { type: 'kubernetes-token', token: CLUSTER_TOKEN } });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'postern-connect-'));
  await mkdir(screenshotDir, { recursive: true });
  const serverProcess = startServerProcess({ env: { POSTERN_RELAY_ENROLLMENT_TOKEN: RELAY_TOKEN } });
  [deployment, sshd, cluster] = await Promise.all([
    startDeployment(join(work, 'deployment'), { serverProcess, relayToken: RELAY_TOKEN }),
    startSshd({ passwordAuth: true }),
    startKubeApiServer({ token: CLUSTER_TOKEN, pods: [{ name: 'web-1', labels: { app: 'web' } }, { name: 'db-0', labels: { app: 'db' } }] }),
    buildRenderer(join(work, 'renderer')),
  ]);
  await createResources();

  let bridge: DevBridge | undefined;
  const session = new DesktopSession({ store: new CredentialsStore(join(work, 'config')), onChange: (signedIn) => bridge?.emit('session.changed', { signedIn }) });
  // No openers given: Connect uses the core's defaults, the relay and gateway path the app ships with.
  live = createLiveServices({
    dataDir: join(work, 'config'), shell: { shell: '/bin/sh', env: { PATH: '/usr/bin:/bin:/usr/local/bin', HOME: work, PS1: 'k8s$ ' }, cwd: work },
    emit: (event, payload) => {
      if (event === 'terminal.data') {
        const { tabId, data } = payload as { tabId: string; data: string };
        sentToTabs.set(tabId, (sentToTabs.get(tabId) ?? '') + data);
      }
      bridge?.emit(event, payload);
    },
  });
  bridge = await startDevBridge({ rendererDir: join(work, 'renderer'), handlers: createBridgeHandlers(session, live) });
  devBridge = bridge;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'light', permissions: ['clipboard-read', 'clipboard-write'] });
  page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  page.setDefaultTimeout(15_000);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await devBridge?.close();
  await deployment?.stop();
  await sshd?.close();
  await cluster?.close();
  if (work) await rm(work, { recursive: true, force: true });
}, 60_000);

const shot = (name: string) => page.screenshot({ path: join(screenshotDir, `${name}.png`) });

// A failed step leaves a screenshot and what the page and the processes said, to tell a slow
// machine from a broken path.
afterEach(async ({ task }) => {
  if (task.result?.state !== 'fail' || !page) return;
  const name = `failed-${task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`;
  await page.screenshot({ path: join(screenshotDir, `${name}.png`) }).catch(() => undefined);
  const shown = await page.locator('.content:not([hidden])').first().innerText({ timeout: 2_000 }).catch((error: Error) => `<unreadable: ${error.message}>`);
  const sent = live?.terminals.openTabs.map(({ tabId, title }) => `--- the core sent tab ${title} (${tabId}): ${JSON.stringify((sentToTabs.get(tabId) ?? '').slice(-500))}`).join('\n');
  console.error(`${task.name} failed; ${name}.png saved. The page shows:\n${shown}\n${sent}\n${deployment?.logs() ?? ''}`);
});
const terminal = () => activeTerminalText(page);
const SHELL_PROMPT = /\$\s*$/m;
let firstSize = { rows: 0, cols: 0 };

// Each step waits on real processes sharing two cores with other test runs: a minute, not thirty seconds.
describe('Connect and playback in Chromium through server, relay, gateway and sshd', { timeout: 60_000 }, () => {
  it('signs in and connects: `echo hi` typed into the terminal prints hi; the PTY has the tab size', async () => {
    await page.goto(devBridge.url);
    await page.getByLabel('Server URL').fill(deployment.server.url);
    await page.getByLabel('Email').fill(deployment.server.adminEmail);
    await page.getByLabel('Password').fill(deployment.server.adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const connect = page.getByRole('button', { name: `Connect to ${SSH_RESOURCE} as ops` });
    await connect.waitFor();
    await shot('20-resources-connect');
    const clicked = performance.now();
    await connect.click();

    await waitForScreen(terminal, SHELL_PROMPT, 'the shell prompt after Connect', 20_000);
    console.log(`desktop Connect (relay + gateway + sshd): click to shell prompt in the tab ${Math.round(performance.now() - clicked)} ms`);
    await page.locator('.terminal-pane:not([hidden]) .xterm').click();
    await page.keyboard.type('echo hi');
    await page.keyboard.press('Enter');
    await waitForScreen(terminal, /^hi\s*$/m, '`echo hi` to print hi');
    expect(await page.getByTestId('time-left').textContent()).toMatch(/^(1:00:00|59:\d\d) left$/);

    // The tab fits the window (the size it asked for at Connect was a guess); the remote PTY got
    // the fitted size, even though the fit happened while the gateway was still opening the target.
    await page.keyboard.type('stty size');
    await page.keyboard.press('Enter');
    const sized = await waitForScreen(terminal, /^\d+ \d+\s*$/m, 'stty size');
    const [rows, cols] = (/^(\d+) (\d+)\s*$/m.exec(sized) ?? []).slice(1).map(Number);
    const [tab] = live.terminals.openTabs;
    expect({ rows, cols }).toEqual({ rows: tab!.rows, cols: tab!.cols });
    expect(rows).toBe(await page.locator('.terminal-pane:not([hidden]) .xterm-rows > div').count());
    expect(cols).toBeGreaterThan(100);
    expect(rows).toBeGreaterThan(20);
    firstSize = { rows: rows!, cols: cols! };

    // Paste (Ctrl+Shift+V) sends the clipboard to the shell; copy (Ctrl+Shift+C) puts the selection back.
    await page.evaluate("navigator.clipboard.writeText('echo pasted-$((6*7))')");
    await page.keyboard.press('Control+Shift+V');
    // The clipboard is read asynchronously: Enter only once the pasted text is on the line.
    await waitForScreen(terminal, (text) => text.includes('$ echo pasted-$((6*7))'), 'the pasted command on the line');
    await page.keyboard.press('Enter');
    await waitForScreen(terminal, /^pasted-42\s*$/m, 'the pasted command to run');
    await page.locator('.terminal-pane:not([hidden]) .xterm-rows > div').filter({ hasText: /^pasted-42/ }).dblclick({ position: { x: 20, y: 6 }, force: true });
    await page.keyboard.press('Control+Shift+C');
    await expect.poll(() => page.evaluate('navigator.clipboard.readText()')).toBe('pasted-42');
    await shot('21-terminal-echo-hi');
  });

  it('follows a window resize to the remote PTY', async () => {
    await page.setViewportSize({ width: 1000, height: 640 });
    await page.keyboard.type('clear; stty size');
    await page.keyboard.press('Enter');
    const sizeIn = (text: string) => (/^(\d+) (\d+)\s*$/m.exec(text) ?? []).slice(1).map(Number);
    // Until `clear` runs, the first size is still on screen.
    const text = await waitForScreen(terminal, (shown) => (sizeIn(shown)[1] ?? Infinity) < firstSize.cols, 'stty size after the resize');
    expect(sizeIn(text)[0]).toBeLessThan(firstSize.rows);
    expect(text).not.toContain('invalid argument');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('shows why the shell ended and reconnects with a new session in the same tab', async () => {
    await page.keyboard.type('printf "marker-%s\\n" done; exit 3');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'The shell exited with status 3.' }).waitFor();
    await shot('22-terminal-ended');
    await page.getByRole('button', { name: 'Reconnect' }).click();
    await expect.poll(async () => (await sessionsOf('ssh')).length).toBe(2);
    await waitForScreen(terminal, SHELL_PROMPT, 'the shell prompt after Reconnect', 20_000);
    await page.getByRole('button', { name: /^Close / }).click();
    await page.getByText('No terminals open').waitFor();
  });

  it('lists the session for review once the gateway has uploaded its recording', async () => {
    // The app ended both itself: the first when its shell exited (Reconnect opened the second), the second when its tab was closed.
    await expect.poll(async () => (await sessionsOf('ssh')).map((row) => row.status), { timeout: 10_000 }).toEqual(['ended', 'ended']);
    const [first, second] = await sessionsOf('ssh');
    for (const { sessionId } of [first!, second!]) await endSessionAndAwaitRecording(sessionId);

    await page.getByRole('button', { name: 'Sessions' }).click();
    await page.getByRole('heading', { name: 'Sessions' }).waitFor();
    await expect.poll(() => page.locator('tr[data-session]').count()).toBeGreaterThanOrEqual(2);
    await page.getByLabel('Filter by type').selectOption('kubernetes');
    await expect.poll(() => page.locator(`tr[data-session="${first!.sessionId}"]`).count()).toBe(0);
    await page.getByLabel('Filter by type').selectOption('ssh');
    await page.getByLabel('Filter by user').fill(deployment.server.adminEmail.slice(0, 6));
    await page.locator(`tr[data-session="${first!.sessionId}"]`).waitFor();
    await shot('23-sessions-list');
  });

  it('plays the session back: search jumps to the moment, the seek bar replays to a point, export is asciicast', async () => {
    const [first] = await sessionsOf('ssh');
    await page.locator(`tr[data-session="${first!.sessionId}"]`).getByRole('button', { name: /^Play session/ }).click();
    const screen = () => playerText(page);
    await page.getByRole('button', { name: 'Play' }).waitFor();
    await page.getByLabel('Search the recording').fill('marker-done');
    const hit = page.getByRole('list', { name: 'Search results' }).getByRole('button').first();
    await hit.click();
    await waitForScreen(screen, (text) => text.includes('marker-done'), 'the search hit on the player screen');
    // Back to an earlier moment: the screen is replayed up to it, without what came later.
    await page.getByLabel('Search the recording').fill('echo hi');
    await page.getByRole('list', { name: 'Search results' }).getByRole('button').first().click();
    const earlier = await waitForScreen(screen, (text) => text.includes('$ echo hi'), 'the earlier moment on the player screen');
    expect(earlier).not.toContain('marker-done');
    await page.getByLabel('Search the recording').fill('marker');
    await page.evaluate("document.querySelector('.content:not([hidden])')?.scrollTo(0, 0)");
    await shot('24-playback-search');

    // Seek to the very start: the screen is replayed from nothing.
    await page.getByLabel('Seek').fill('0');
    await waitForScreen(screen, (text) => !text.includes('marker-done'), 'the screen replayed from the start');
    expect(await page.getByTestId('player-clock').textContent()).toMatch(/^0:00\.0 \/ \d+:\d\d\.\d$/);
    await page.getByRole('button', { name: '16×' }).click();
    await page.getByRole('button', { name: 'Play' }).click();
    await waitForScreen(screen, (text) => text.includes('marker-done'), 'playback at 16× to reach the end', 20_000);

    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Export as asciicast' }).click();
    const cast = parseAsciicast(await readFile((await (await download).path()), 'utf8'));
    expect(cast.events.some(([, code, data]) => code === 'o' && data.includes('marker-done'))).toBe(true);
  });

  it('connects to a Kubernetes cluster: kubeconfig path and export line, and a shell where kubectl just works', async () => {
    await page.getByRole('button', { name: 'Resources' }).click();
    await page.getByRole('button', { name: `Connect to ${CLUSTER} as viewer` }).click();
    const path = await page.getByTestId('kubeconfig-path').textContent();
    expect(path).toMatch(new RegExp(`^${work}/config/kube/postern-.*\\.yaml$`));
    expect(await page.getByTestId('kubeconfig-export').textContent()).toBe(`export KUBECONFIG='${path}'`);
    await waitForScreen(terminal, (text) => text.includes('k8s$'), 'the local shell prompt in the Kubernetes tab');
    await page.locator('.terminal-pane:not([hidden]) .xterm').click();
    await page.keyboard.type('echo "$KUBECONFIG"; kubectl get pods');
    await page.keyboard.press('Enter');
    const listed = await waitForScreen(terminal, /web-1\s+1\/1\s+Running/, 'kubectl get pods through relay and gateway', 30_000);
    expect(listed).toContain(path!);
    await shot('28-kubernetes-tab');
    await page.getByRole('button', { name: 'Disconnect' }).click();
    await page.getByRole('status').filter({ hasText: 'You closed this terminal.' }).waitFor();
    await page.getByRole('button', { name: /^Close kubectl/ }).click();
  });

  it('shows the Kubernetes session as a command timeline', async () => {
    const [k8s] = await sessionsOf('kubernetes');
    await endSessionAndAwaitRecording(k8s!.sessionId);
    await page.getByRole('button', { name: 'Sessions' }).click();
    await page.getByLabel('Filter by type').selectOption('kubernetes');
    await page.locator(`tr[data-session="${k8s!.sessionId}"]`).getByRole('button', { name: /^Play session/ }).click();
    const timeline = page.getByRole('list', { name: 'Command timeline' });
    await expect.poll(() => timeline.textContent(), { timeout: 15_000 }).toContain('kubectl get pods');
    await timeline.getByText('What it did').first().click();
    await shot('29-kubernetes-timeline');
    await page.getByRole('button', { name: '← Back to sessions' }).click();
    await page.getByLabel('Filter by type').selectOption('ssh');
    const [first] = await sessionsOf('ssh');
    await page.locator(`tr[data-session="${first!.sessionId}"]`).getByRole('button', { name: /^Play session/ }).click();
  });

  it('looks right in the dark theme', async () => {
    await page.getByRole('button', { name: 'Dark theme' }).click();
    await page.getByLabel('Search the recording').fill('hi');
    await page.getByRole('list', { name: 'Search results' }).getByRole('button').nth(1).click();
    await waitForScreen(() => playerText(page), /^hi\s*$/m, 'the second `hi` search hit');
    await page.evaluate("document.querySelector('.content:not([hidden])')?.scrollTo(0, 0)");
    await shot('25-playback-dark');
    await page.getByRole('button', { name: '← Back to sessions' }).click();
    await shot('26-sessions-dark');
    await page.getByRole('button', { name: 'Resources' }).click();
    await page.getByRole('button', { name: `Connect to ${SSH_RESOURCE} as ops` }).click();
    await waitForScreen(terminal, SHELL_PROMPT, 'the shell prompt in the dark theme', 20_000);
    await page.locator('.terminal-pane:not([hidden]) .xterm').click();
    await page.keyboard.type('ls -la /etc | grep -E "passwd|hosts"');
    await page.keyboard.press('Enter');
    await waitForScreen(terminal, /root\s+\d+ .* passwd/, 'the ls listing');
    await shot('27-terminal-dark');
    await page.getByRole('button', { name: 'Light theme' }).click();
    // The page asks for a favicon the renderer does not ship (404). xterm's DOM renderer colours a
    // selected (or 24-bit coloured) cell with a style attribute, which the strict CSP blocks: the
    // cell keeps the theme's colours (a known, accepted limit). Nothing else may fail.
    const styleAttribute = /Applying inline style violates.*style attributes/;
    expect(consoleErrors.filter((text) => !/status of 404/.test(text) && !styleAttribute.test(text))).toEqual([]);
  });
});

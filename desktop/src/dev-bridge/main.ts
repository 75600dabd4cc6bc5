import { mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBridgeHandlers } from '../core/bridge-handlers.ts';
import { CredentialsStore } from '../core/credentials-store.ts';
import { DesktopSession } from '../core/session.ts';
import { localShellFrom } from '../core/terminal-sessions-local.ts';
import { createLiveServices } from '../core/terminal-sessions-services.ts';
import { startDevBridge } from './server.ts';

/**
 * `npm run desktop:browser -w @postern/desktop`: the app in a browser, over the real core, with a
 * throwaway credentials folder (never the user's own sign-in). Build the renderer first with
 * `vite build --mode devbridge`.
 */
const rendererDir = fileURLToPath(new URL('../../out/renderer', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'postern-dev-bridge-'));
const store = new CredentialsStore(dataDir);
let bridge: Awaited<ReturnType<typeof startDevBridge>> | undefined;
const session = new DesktopSession({ store, onChange: (signedIn) => bridge?.emit('session.changed', { signedIn }) });
const live = createLiveServices({ dataDir, shell: localShellFrom(process.env, process.platform, homedir()), emit: (event, payload) => bridge?.emit(event, payload) });
bridge = await startDevBridge({ rendererDir, handlers: createBridgeHandlers(session, live), port: Number(process.argv[2] ?? 0) });
process.stdout.write(`Postern dev bridge: open ${bridge.url}\n`);

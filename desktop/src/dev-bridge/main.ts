import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBridgeHandlers } from '../core/bridge-handlers.ts';
import { CredentialsStore } from '../core/credentials-store.ts';
import { DesktopSession } from '../core/session.ts';
import { startDevBridge } from './server.ts';

/**
 * `npm run desktop:browser -w @postern/desktop`: the app in a browser, over the real core, with a
 * throwaway credentials folder (never the user's own sign-in). Build the renderer first with
 * `vite build --mode devbridge`.
 */
const rendererDir = fileURLToPath(new URL('../../out/renderer', import.meta.url));
const store = new CredentialsStore(mkdtempSync(join(tmpdir(), 'postern-dev-bridge-')));
let bridge: Awaited<ReturnType<typeof startDevBridge>> | undefined;
const session = new DesktopSession({ store, onChange: (signedIn) => bridge?.emit('session.changed', { signedIn }) });
bridge = await startDevBridge({ rendererDir, handlers: createBridgeHandlers(session), port: Number(process.argv[2] ?? 0) });
process.stdout.write(`Postern dev bridge: open ${bridge.url}\n`);

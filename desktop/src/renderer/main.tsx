import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBridgeClient } from '../common/bridge-client.ts';
import type { RawBridge } from '../common/bridge.ts';
import { App } from './App.tsx';
import './styles.css';

/** Electron's preload sets window.postern; in the `devbridge` build (browser tests) the shim does. */
async function rawBridge(): Promise<RawBridge> {
  if (window.postern) return window.postern;
  if (import.meta.env.MODE === 'devbridge') return (await import('./dev-bridge-shim.ts')).connectDevBridge(location.origin);
  throw new Error('The Postern bridge is missing: open this page in the Postern app.');
}

const root = createRoot(document.getElementById('root')!);
rawBridge().then(
  (raw) => root.render(<StrictMode><App bridge={createBridgeClient(raw)} /></StrictMode>),
  (error: unknown) => root.render(<p className="fatal">{error instanceof Error ? error.message : String(error)}</p>),
);

import type { RawBridge } from '../common/bridge.ts';

declare global {
  interface Window {
    /** Set by the preload (Electron) or by the dev bridge shim (browser tests). */
    postern?: RawBridge;
  }
  interface ImportMeta {
    readonly env: { readonly MODE: string };
  }
}

declare module '*.css';

export {};

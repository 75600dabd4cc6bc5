/**
 * Routes `terminal.data` events to the xterm of their tab. Output that arrives before the tab's
 * view is attached (the shell prompt often does, while the Connect reply is still on its way) is
 * kept and written on attach, up to a limit, so nothing the user should see is dropped.
 */
export interface TerminalFeed {
  push(tabId: string, data: string): void;
  /** Sends buffered then live output of the tab to `write`; returns the detach function. */
  attach(tabId: string, write: (data: string) => void): () => void;
  forget(tabId: string): void;
}

export const MAX_BUFFERED_CHARS = 1 << 20;

export function createTerminalFeed(): TerminalFeed {
  const writers = new Map<string, (data: string) => void>();
  const pending = new Map<string, string[]>();
  const pendingSize = new Map<string, number>();
  return {
    push(tabId, data) {
      const writer = writers.get(tabId);
      if (writer) return writer(data);
      const size = (pendingSize.get(tabId) ?? 0) + data.length;
      if (size > MAX_BUFFERED_CHARS) return;
      pendingSize.set(tabId, size);
      pending.set(tabId, [...(pending.get(tabId) ?? []), data]);
    },
    attach(tabId, write) {
      for (const data of pending.get(tabId) ?? []) write(data);
      pending.delete(tabId);
      pendingSize.delete(tabId);
      writers.set(tabId, write);
      return () => { if (writers.get(tabId) === write) writers.delete(tabId); };
    },
    forget(tabId) {
      writers.delete(tabId);
      pending.delete(tabId);
      pendingSize.delete(tabId);
    },
  };
}

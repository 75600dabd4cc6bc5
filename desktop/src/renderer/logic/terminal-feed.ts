/**
 * Routes `terminal.data` events to the xterm of their tab. The feed keeps each open tab's latest
 * output (up to a limit) until the tab is closed, and a view that attaches is given all of it
 * before the live stream. So output that arrives before the view exists is shown (the shell
 * prompt often does, while the Connect reply is still on its way), and so is output a view had
 * already received when it is re-created: React may run a new view's effects twice (mount, clean
 * up, mount), and the first xterm, disposed, took the prompt with it — the Kubernetes tab's local
 * shell prompts at once, so its tab sometimes showed no prompt at all.
 */
export interface TerminalFeed {
  push(tabId: string, data: string): void;
  /** Sends the tab's kept output, then its live output, to `write`; returns the detach function. */
  attach(tabId: string, write: (data: string) => void): () => void;
  /** The tab is closed: its output is dropped. */
  forget(tabId: string): void;
}

export const MAX_BUFFERED_CHARS = 1 << 20;

interface KeptOutput { chunks: string[]; size: number }

export function createTerminalFeed(): TerminalFeed {
  const writers = new Map<string, (data: string) => void>();
  const kept = new Map<string, KeptOutput>();
  return {
    push(tabId, data) {
      const output = kept.get(tabId) ?? { chunks: [], size: 0 };
      kept.set(tabId, output);
      output.chunks.push(data);
      output.size += data.length;
      trimOldest(output);
      writers.get(tabId)?.(data);
    },
    attach(tabId, write) {
      for (const data of kept.get(tabId)?.chunks ?? []) write(data);
      writers.set(tabId, write);
      return () => { if (writers.get(tabId) === write) writers.delete(tabId); };
    },
    forget(tabId) {
      writers.delete(tabId);
      kept.delete(tabId);
    },
  };
}

function trimOldest(output: KeptOutput): void {
  while (output.size > MAX_BUFFERED_CHARS) {
    const oldest = output.chunks[0]!;
    const excess = output.size - MAX_BUFFERED_CHARS;
    if (oldest.length <= excess) {
      output.chunks.shift();
      output.size -= oldest.length;
    } else {
      output.chunks[0] = oldest.slice(excess);
      output.size -= excess;
    }
  }
}

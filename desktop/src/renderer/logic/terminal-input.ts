/**
 * Keystrokes of one tab, sent in order. Each bridge call is its own request (over the dev bridge,
 * its own HTTP request), and two requests in flight may be handled in either order, which would
 * swap typed characters. So one call at a time per tab, and whatever is typed meanwhile goes
 * together in the next call.
 */
export function createInputQueue(send: (data: string) => Promise<unknown>): (data: string) => Promise<void> {
  let waiting = '';
  let running: Promise<void> | undefined;
  const drain = async () => {
    while (waiting) {
      const data = waiting;
      waiting = '';
      await send(data).catch(() => undefined);
    }
    running = undefined;
  };
  return (data) => {
    waiting += data;
    running ??= drain();
    return running;
  };
}

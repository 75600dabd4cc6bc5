/**
 * Joins two duplex streams both ways with backpressure (pipe pauses a fast side while the other
 * drains). A side that closes ends the other gracefully, so bytes already queued still go out; a
 * side that errors, or a peer that never drains after the end, tears both down. The writes of
 * each turn are coalesced (one TLS flush, one SSH write) — see shared/src/streams/coalesced-pipe.ts.
 */
import type { Duplex } from 'node:stream';
import { pipeCoalesced } from '@postern/shared/streams/coalesced-pipe';

const LINGER_AFTER_END_MS = 10_000;

export function splice(a: Duplex, b: Duplex): Promise<void> {
  pipeCoalesced(a, b);
  pipeCoalesced(b, a);
  return new Promise((resolve) => {
    let lingerTimer: ReturnType<typeof setTimeout> | undefined;
    let closed = 0;
    const destroyBoth = () => {
      a.destroy();
      b.destroy();
    };
    const onClose = (other: Duplex) => () => {
      closed++;
      if (closed === 2) {
        clearTimeout(lingerTimer);
        resolve();
        return;
      }
      other.end();
      lingerTimer = setTimeout(destroyBoth, LINGER_AFTER_END_MS);
      lingerTimer.unref?.();
    };
    a.once('close', onClose(b));
    b.once('close', onClose(a));
    a.on('error', destroyBoth);
    b.on('error', destroyBoth);
  });
}

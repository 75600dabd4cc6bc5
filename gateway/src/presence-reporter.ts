/**
 * Keeps the server told where this gateway's tunnel is: "connected" when the relay registers
 * it and every 10 s after (POSTERN_GATEWAY_PRESENCE_INTERVAL_MS), "disconnected" when it drops. Failures are logged and retried on the
 * next beat; the tunnel does not depend on them.
 */
import type { GatewayServerClient } from './enrollment-api.ts';
import type { GatewayLogger } from './logger.ts';
import type { TunnelClient } from './tunnel-client.ts';

export const PRESENCE_INTERVAL_MS = 10_000;

export function reportPresence(
  tunnel: TunnelClient, client: GatewayServerClient, where: () => { relayId: string; gatewayId: string }, log: GatewayLogger,
  intervalMs = PRESENCE_INTERVAL_MS,
): { stop(): void } {
  const send = (connected: boolean) => {
    client.reportPresence({ ...where(), connected }).catch((error: Error) => {
      log.warn({ event: 'presence_report_failed', error: error.message }, 'could not report the tunnel to the server');
    });
  };
  const onConnected = () => send(true);
  const onDisconnected = () => send(false);
  tunnel.on('connected', onConnected);
  tunnel.on('disconnected', onDisconnected);
  if (tunnel.state === 'connected') send(true);
  const beat = setInterval(() => {
    if (tunnel.state === 'connected') send(true);
  }, intervalMs);
  beat.unref();
  return {
    stop: () => {
      clearInterval(beat);
      tunnel.off('connected', onConnected);
      tunnel.off('disconnected', onDisconnected);
    },
  };
}

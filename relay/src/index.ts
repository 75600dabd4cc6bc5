/** The relay as a library: `startRelay(loadRelayConfig(env), log)` is what `postern-relay` runs. */
export { loadRelayConfig, zRelayEnv, type RelayConfig } from './config.ts';
export { jsonLinesLog, silentLog, type RelayLog } from './log.ts';
export { startRelay, type RunningRelay } from './relay.ts';
export { TunnelRegistry, type GatewayTunnel, type TunnelLookup } from './tunnel-registry.ts';

/** ALPN protocol names of the inner TLS (client ⇄ gateway); one handler per name on the gateway. */
export const ALPN_PROTOCOLS = {
  ssh: 'postern-ssh',
  kubernetes: 'postern-k8s',
  /** Echo: health checks and latency measurements. */
  ping: 'postern-ping',
  /** Reachability: the platform asks the gateway to connect to host:port (relay/probe.ts); platform certificates only. */
  probe: 'postern-probe',
} as const;
export type AlpnProtocol = (typeof ALPN_PROTOCOLS)[keyof typeof ALPN_PROTOCOLS];

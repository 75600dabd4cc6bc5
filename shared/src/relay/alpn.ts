/** ALPN protocol names of the inner TLS (client ⇄ gateway); one handler per name on the gateway. */
export const ALPN_PROTOCOLS = {
  ssh: 'postern-ssh',
  kubernetes: 'postern-k8s',
  /** Echo: health checks and latency measurements. */
  ping: 'postern-ping',
} as const;
export type AlpnProtocol = (typeof ALPN_PROTOCOLS)[keyof typeof ALPN_PROTOCOLS];

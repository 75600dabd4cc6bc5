/**
 * Reconnect delays: exponential growth capped at `maxMs`, with "equal jitter" (half fixed, half
 * random) so a fleet of gateways cut off by one relay restart does not come back in lockstep,
 * while each still retries soon after a short outage.
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  factor: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 10_000, factor: 2 };

/** The delay before retry number `attempt` (0 = first retry after a failure). */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

import type { Gateway, GatewayHealth, ReachabilityCheck } from '../../common/api-types.ts';

/** What the editor shows about gateways and the reachability check: pure, so it is tested without a browser. */

export type HealthTone = 'ok' | 'offline' | 'unknown';

/** A gateway's health in the picker: undefined while the ping runs, null when it could not be asked. */
export function gatewayHealthView(health: GatewayHealth | null | undefined): { tone: HealthTone; text: string } {
  if (health === undefined) return { tone: 'unknown', text: 'checking…' };
  if (health === null) return { tone: 'unknown', text: 'health unknown' };
  if (health.status === 'connected') return { tone: 'ok', text: health.latencyMs === null ? 'connected' : `connected · ${formatMs(health.latencyMs)}` };
  if (health.status === 'not_enrolled') return { tone: 'offline', text: 'offline · not enrolled' };
  if (health.status === 'revoked') return { tone: 'offline', text: 'revoked' };
  return { tone: 'offline', text: 'offline' };
}

/** The picker's option text: a native <select> shows only text, so the health goes into it. */
export function gatewayOptionLabel(gateway: Gateway, health: GatewayHealth | null | undefined): string {
  return `${gateway.name} — ${gatewayHealthView(health).text}`;
}

export function formatMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

export interface ReachabilityView {
  ok: boolean;
  headline: string;
  /** The gateway's own words when it failed; how to go on when it did not. */
  detail: string;
}

export function reachabilityView(check: ReachabilityCheck): ReachabilityView {
  const target = `${check.target.host}:${check.target.port}`;
  if (!check.ok) {
    return { ok: false, headline: `The gateway could not reach ${target}`, detail: check.error ?? 'No reason was given.' };
  }
  const latency = check.latencyMs === null ? '' : ` in ${formatMs(check.latencyMs)}`;
  const detail = check.hostKeyChanged
    ? 'The host key changed since the last check: sessions now trust the new key (the audit log keeps both).'
    : check.sshHostKeys ? 'Sessions to this server trust only this host key.' : 'The gateway opened a TCP connection to it.';
  return { ok: true, headline: `Reachable: ${target}${latency}`, detail };
}

/** OpenSSH's fingerprint of a public key line ("ssh-ed25519 AAAA… comment"): SHA256:<base64 without padding>. */
export async function sshKeyFingerprint(keyLine: string): Promise<string> {
  const [type, blob] = keyLine.trim().split(/\s+/);
  if (!type || !blob) return keyLine;
  const bytes = Uint8Array.from(atob(blob), (char) => char.charCodeAt(0));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return `${type} SHA256:${btoa(String.fromCharCode(...digest)).replace(/=+$/, '')}`;
}

import { useEffect, useState } from 'react';
import type { Gateway, GatewayHealth, ReachabilityCheck, Resource } from '../../common/api-types.ts';
import type { PosternBridge } from '../../common/bridge.ts';
import { fieldErrorsFrom } from '../logic/field-errors.ts';
import { gatewayHealthView, reachabilityView, sshKeyFingerprint } from '../logic/reachability.ts';

/** Each gateway's health, pinged in parallel once per editor; undefined while a ping runs, null if it could not be asked. */
export function useGatewayHealth(bridge: PosternBridge, gateways: Gateway[]): Map<string, GatewayHealth | null> {
  const [healthById, setHealthById] = useState(() => new Map<string, GatewayHealth | null>());
  useEffect(() => {
    let current = true;
    for (const gateway of gateways) {
      bridge.call('catalog.gatewayHealth', { orgId: gateway.orgId, gatewayId: gateway.id }).then(
        (health) => health,
        () => null,
      ).then((health) => {
        if (current) setHealthById((known) => new Map(known).set(gateway.id, health));
      });
    }
    return () => { current = false; };
  }, [bridge, gateways]);
  return healthById;
}

export function GatewayHealthBadge({ health }: { health: GatewayHealth | null | undefined }) {
  const view = gatewayHealthView(health);
  return <span className={`health health-${view.tone}`} data-health={view.tone}><span className="health-dot" aria-hidden="true" />{view.text}</span>;
}

type CheckState = { state: 'idle' } | { state: 'running' } | { state: 'done'; check: ReachabilityCheck; fingerprints: string[] } | { state: 'failed'; message: string };

/** "Check reachability" on a saved resource: the gateway tries the target; for SSH the server pins its host key. */
export function ReachabilityPanel({ bridge, resource }: { bridge: PosternBridge; resource: Resource }) {
  const [status, setStatus] = useState<CheckState>({ state: 'idle' });
  const run = async () => {
    setStatus({ state: 'running' });
    try {
      const check = await bridge.call('resources.checkReachability', { resourceId: resource.id });
      const fingerprints = await Promise.all((check.sshHostKeys ?? []).map(sshKeyFingerprint));
      setStatus({ state: 'done', check, fingerprints });
    } catch (error) {
      setStatus({ state: 'failed', message: Object.values(fieldErrorsFrom(error))[0] ?? 'The check could not run.' });
    }
  };
  return (
    <section className="card reachability" aria-label="Reachability">
      <div className="card-header">
        <div>
          <h2>Reachability</h2>
          <p className="muted small">Asks the gateway to connect to the target{resource.type === 'ssh' ? ' and pins the SSH host key it presents' : ''}.</p>
        </div>
        <button type="button" className="button" onClick={() => void run()} disabled={status.state === 'running'}>
          {status.state === 'running' ? 'Checking…' : 'Check reachability'}
        </button>
      </div>
      {status.state === 'done' ? <ReachabilityResult check={status.check} fingerprints={status.fingerprints} /> : null}
      {status.state === 'failed' ? <div className="banner banner-error" role="alert">{status.message}</div> : null}
    </section>
  );
}

function ReachabilityResult({ check, fingerprints }: { check: ReachabilityCheck; fingerprints: string[] }) {
  const view = reachabilityView(check);
  return (
    <div className={`banner ${view.ok ? 'banner-success' : 'banner-error'}`} role={view.ok ? 'status' : 'alert'} data-reachable={view.ok}>
      <strong>{view.headline}</strong>
      <span>{view.detail}</span>
      {fingerprints.map((fingerprint) => <code key={fingerprint} className="mono fingerprint">{fingerprint}</code>)}
    </div>
  );
}

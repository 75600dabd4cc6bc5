import { useState } from 'react';
import type { PosternBridge } from '../../common/bridge.ts';
import type { KubernetesConnection } from '../../common/session-types.ts';

/** A Kubernetes connection: where kubectl finds it, the line to use it elsewhere, and Disconnect. */
export function KubernetesPanel({ bridge, connection, ended }: { bridge: PosternBridge; connection: KubernetesConnection; ended: boolean }) {
  const [copied, setCopied] = useState(false);
  const [stopping, setStopping] = useState(false);
  const copy = () => {
    void navigator.clipboard.writeText(connection.exportLine).then(() => setCopied(true), () => setCopied(false));
  };
  const disconnect = () => {
    setStopping(true);
    bridge.call('kubernetes.disconnect', { connectionId: connection.connectionId }).catch(() => undefined);
  };
  return (
    <div className="kube-panel" data-testid="kubernetes-panel">
      <div className="kube-facts">
        <div><span className="kube-label">Cluster</span><span>{connection.resourceName} <span className="muted">as {connection.accountName}</span></span></div>
        <div><span className="kube-label">Local proxy</span><span className="mono">{connection.proxyUrl}</span></div>
        <div><span className="kube-label">Kubeconfig</span><span className="mono" data-testid="kubeconfig-path">{connection.kubeconfigPath}</span></div>
      </div>
      <div className="kube-export">
        <code data-testid="kubeconfig-export">{connection.exportLine}</code>
        <button type="button" className="button button-small" onClick={copy}>{copied ? 'Copied' : 'Copy'}</button>
        {ended ? null : <button type="button" className="button button-small button-danger-ghost" onClick={disconnect} disabled={stopping}>Disconnect</button>}
      </div>
    </div>
  );
}

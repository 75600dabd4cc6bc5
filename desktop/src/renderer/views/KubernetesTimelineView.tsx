import type { KubernetesCommandRun } from '../../common/session-types.ts';
import { formatClock } from '../logic/playback-engine.ts';

/** A Kubernetes session as the kubectl commands it ran, each with the API requests behind it. */
export function KubernetesTimelineView({ commands, startedAt }: { commands: KubernetesCommandRun[]; startedAt: string }) {
  const start = Date.parse(startedAt);
  return (
    <ol className="timeline" aria-label="Command timeline">
      {commands.map((run, number) => (
        <li key={`${run.startedAt}-${number}`} className={`timeline-item${run.failed > 0 ? ' timeline-failed' : ''}`}>
          <span className="mono timeline-time">{formatClock((Date.parse(run.startedAt) - start) / 1000)}</span>
          <div className="timeline-body">
            <div className="timeline-command mono">{run.command}</div>
            <div className="muted small">{run.requests} request{run.requests === 1 ? '' : 's'}{run.failed > 0 ? ` · ${run.failed} failed` : ''}</div>
            {run.actions.length > 0 ? (
              <details>
                <summary className="small">What it did</summary>
                <table className="table table-compact">
                  <tbody>
                    {run.actions.map((action, index) => (
                      <tr key={`${action.at}-${index}`}>
                        <td className="mono">{action.verb}</td>
                        <td className="mono">{action.path}</td>
                        <td className={`mono${action.status >= 400 || action.status === 0 ? ' text-danger' : ''}`}>{action.status || 'error'}</td>
                        <td className="mono muted">{Math.round(action.durationMs)} ms</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </details>
            ) : null}
          </div>
        </li>
      ))}
    </ol>
  );
}

/**
 * Port forwarding through the bridge, only when the session allows it: `ssh -L` (direct-tcpip,
 * opened from the target) and `ssh -R` (tcpip-forward, bound on the target). Refused otherwise.
 */
import type { Client as Ssh2Client, Connection, ServerChannel, ClientChannel } from 'ssh2';
import type { BridgeOptions } from './context.ts';

function join(a: ServerChannel | ClientChannel, b: ServerChannel | ClientChannel): void {
  a.pipe(b).pipe(a);
  a.once('close', () => b.close());
  b.once('close', () => a.close());
}

export function handleForwarding(client: Connection, ctx: BridgeOptions, target: () => Promise<Ssh2Client>): void {
  client.on('tcpip', (accept, reject, info) => {
    if (!ctx.allow.portForwarding) {
      ctx.logger.info({ sessionId: ctx.sessionId }, 'ssh port forwarding refused');
      return reject();
    }
    target().then((ssh) => ssh.forwardOut(info.srcIP, info.srcPort, info.destIP, info.destPort, (error, upstream) => {
      if (error) return reject();
      ctx.recorder.event({ type: 'ssh.port-forward', direction: 'local', host: info.destIP, port: info.destPort });
      join(accept(), upstream);
    }), () => reject());
  });

  client.on('request', (accept, reject, name, info) => {
    if (name !== 'tcpip-forward' || !ctx.allow.portForwarding) {
      if (name === 'tcpip-forward') ctx.logger.info({ sessionId: ctx.sessionId }, 'ssh remote port forwarding refused');
      return reject?.();
    }
    const { bindAddr, bindPort } = info as { bindAddr: string; bindPort: number };
    target().then((ssh) => {
      ssh.forwardIn(bindAddr, bindPort, (error, port) => {
        if (error) return reject?.();
        ctx.recorder.event({ type: 'ssh.port-forward', direction: 'remote', host: bindAddr, port: port || bindPort });
        accept?.(port || bindPort);
      });
      ssh.on('tcp connection', (details, acceptUpstream, rejectUpstream) => {
        client.forwardOut(details.destIP, details.destPort, details.srcIP, details.srcPort, (error, downstream) => {
          if (error) return rejectUpstream();
          join(acceptUpstream(), downstream);
        });
      });
    }, () => reject?.());
  });
}

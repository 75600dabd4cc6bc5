/**
 * Transport benchmark: latency and echo throughput through client → relay → gateway → echo
 * (`postern-ping`), against a plain TCP echo, with the relay and gateway as separate processes
 * (as deployed; on this 2-core machine the client, relay and gateway share the cores). Latency is
 * 1 KB request/response round trips, p50 and p99; the dial is the whole connect (outer TLS, first
 * frame, relay channel, inner mTLS, admission).
 *
 *   node --import tsx bench/transport.ts [megabytes=64] [round-trips=2000]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { loadavg } from 'node:os';
import type { Duplex } from 'node:stream';
import { dialGateway } from '../desktop/src/core/dialer.ts';
import { report } from './lib/report.ts';
import { median, percentile } from './lib/stats.ts';
import { TransportPki } from '../shared/src/relay/transport-pki.test-support.ts';
import { dialOptionsFor, startGatewayProcess, startRelayProcess, startSessionCheck } from '../test/e2e/transport-harness.ts';

const megabytes = Number(process.argv[2] ?? 64);
const roundTrips = Number(process.argv[3] ?? 2000);
const MESSAGE_BYTES = 1024;
const CHUNK = 64 * 1024;

/** Streams `total` bytes through an echo and waits for all of them back; returns MB/s (one direction). */
async function throughput(stream: Duplex, total: number): Promise<number> {
  const chunk = Buffer.alloc(CHUNK, 0x5a);
  let received = 0;
  const started = performance.now();
  const done = new Promise<void>((resolve) => {
    stream.on('data', (data: Buffer) => {
      received += data.length;
      if (received >= total) resolve();
    });
  });
  for (let sent = 0; sent < total; sent += CHUNK) {
    if (!stream.write(chunk)) await once(stream, 'drain');
  }
  await done;
  return total / 1e6 / ((performance.now() - started) / 1000);
}

/** Median and p99 of `count` sequential 1 KB round trips, in ms (the first 50 warm up and are dropped). */
async function latency(stream: Duplex, count: number): Promise<{ median: number; p99: number }> {
  const samples: number[] = [];
  const message = Buffer.alloc(MESSAGE_BYTES, 0x33);
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    let got = 0;
    await new Promise<void>((resolve) => {
      const onData = (data: Buffer) => {
        got += data.length;
        if (got >= message.length) {
          stream.off('data', onData);
          resolve();
        }
      };
      stream.on('data', onData);
      stream.write(message);
    });
    if (i >= 50) samples.push(performance.now() - started);
  }
  return { median: median(samples), p99: percentile(samples, 0.99) };
}

async function startTcpEcho(): Promise<{ port: number; stop(): void }> {
  const child = spawn(process.execPath, ['-e', `
    const s = require('node:net').createServer((c) => { c.setNoDelay(true); c.pipe(c); c.on('error', () => {}); });
    s.listen(0, '127.0.0.1', () => console.log(s.address().port));`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(child.stdout!, 'data') as [Buffer];
  return { port: Number(line.toString().trim()), stop: () => child.kill() };
}

async function main(): Promise<void> {
  const total = megabytes * 1e6;
  const loadBefore = loadavg()[0]!;
  const tcpEcho = await startTcpEcho();
  const direct = net.connect(tcpEcho.port, '127.0.0.1');
  direct.setNoDelay(true);
  await once(direct, 'connect');
  const directLatency = await latency(direct, roundTrips);
  const directMBps = await throughput(direct, total);
  direct.destroy();
  tcpEcho.stop();

  const pki = new TransportPki();
  const materials = pki.relayMaterials();
  const sessionCheck = await startSessionCheck();
  const relay = await startRelayProcess(materials);
  const gateway = startGatewayProcess(pki, materials, { orgId: 'org-bench', gatewayId: 'gw-bench', relaySshPort: relay.sshPort, sessionCheckUrl: sessionCheck.url });
  await gateway.waitForEvent('tunnel_connected', 30_000);
  const options = () => dialOptionsFor(pki, materials, relay.tlsPort, { orgId: 'org-bench', gatewayId: 'gw-bench' });
  const connectMs: number[] = [];
  for (let i = 0; i < 30; i++) {
    const opts = options();
    const started = performance.now();
    (await dialGateway(opts)).destroy();
    connectMs.push(performance.now() - started);
  }
  const relayed = await dialGateway(options());
  const relayedLatency = await latency(relayed, roundTrips);
  const relayedMBps = await throughput(relayed, total);
  relayed.destroy();
  await Promise.all([gateway.kill(), relay.kill()]);
  await sessionCheck.close();

  const dialMedian = median(connectMs);
  console.log(`1-minute load average before/after: ${loadBefore.toFixed(2)} / ${loadavg()[0]!.toFixed(2)} (2 cores)`);
  console.log(`direct TCP echo          ${directMBps.toFixed(0).padStart(6)} MB/s   1 KB RTT p50 ${directLatency.median.toFixed(3)} ms, p99 ${directLatency.p99.toFixed(3)} ms`);
  console.log(`client→relay→gateway     ${relayedMBps.toFixed(0).padStart(6)} MB/s   1 KB RTT p50 ${relayedLatency.median.toFixed(3)} ms, p99 ${relayedLatency.p99.toFixed(3)} ms`);
  console.log(`added by the tunnel      p50 +${(relayedLatency.median - directLatency.median).toFixed(3)} ms, p99 +${(relayedLatency.p99 - directLatency.p99).toFixed(3)} ms`);
  console.log(`dialGateway (outer TLS + frame + channel + inner mTLS + admission): median ${dialMedian.toFixed(1)} ms, p99 ${percentile(connectMs, 0.99).toFixed(1)} ms (n=${connectMs.length})`);
  console.log(`(${megabytes} MB each way, ${roundTrips} round trips of ${MESSAGE_BYTES} bytes)`);
  const added = relayedLatency.median - directLatency.median;
  report({ measure: '1 KB round trip p50 through the tunnel', unit: 'ms', value: relayedLatency.median, better: 'lower',
    baseline: { name: 'direct TCP', value: directLatency.median }, target: '≤ +0.5 ms at p50', met: added <= 0.5 });
  report({ measure: '1 KB round trip p99 through the tunnel', unit: 'ms', value: relayedLatency.p99, better: 'lower',
    baseline: { name: 'direct TCP', value: directLatency.p99 } });
  report({ measure: `echo ${megabytes} MB each way through the tunnel`, unit: 'MB/s', value: relayedMBps, better: 'higher',
    baseline: { name: 'direct TCP', value: directMBps } });
  report({ measure: 'dial: TLS + relay + inner mTLS + admission', unit: 'ms', value: dialMedian, better: 'lower' });
}

await main();

/**
 * Transport benchmark: throughput and latency through client → relay → gateway → echo
 * (`postern-ping`), against a plain TCP echo, with the relay and gateway as separate processes
 * (as deployed; on this 2-core machine the client, relay and gateway share the cores).
 *
 *   node --import tsx bench/transport.ts [megabytes=64] [round-trips=300]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { loadavg } from 'node:os';
import type { Duplex } from 'node:stream';
import { dialGateway } from '../desktop/src/core/dialer.ts';
import { TransportPki } from '../shared/src/relay/transport-pki.test-support.ts';
import { dialOptionsFor, startGatewayProcess, startRelayProcess, startSessionCheck } from '../test/e2e/transport-harness.ts';

const megabytes = Number(process.argv[2] ?? 64);
const roundTrips = Number(process.argv[3] ?? 300);
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

/** Median and p99 of `count` sequential 64-byte round trips, in ms. */
async function latency(stream: Duplex, count: number): Promise<{ median: number; p99: number }> {
  const samples: number[] = [];
  const message = Buffer.alloc(64, 0x33);
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
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(count / 2)]!, p99: samples[Math.floor(count * 0.99)]! };
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
  for (let i = 0; i < 20; i++) {
    const opts = options();
    const started = performance.now();
    (await dialGateway(opts)).destroy();
    connectMs.push(performance.now() - started);
  }
  connectMs.sort((a, b) => a - b);
  const relayed = await dialGateway(options());
  const relayedLatency = await latency(relayed, roundTrips);
  const relayedMBps = await throughput(relayed, total);
  relayed.destroy();
  await Promise.all([gateway.kill(), relay.kill()]);
  await sessionCheck.close();

  console.log(`1-minute load average before/after: ${loadBefore.toFixed(2)} / ${loadavg()[0]!.toFixed(2)} (2 cores)`);
  console.log(`direct TCP echo          ${directMBps.toFixed(0).padStart(6)} MB/s   RTT median ${directLatency.median.toFixed(3)} ms, p99 ${directLatency.p99.toFixed(3)} ms`);
  console.log(`client→relay→gateway     ${relayedMBps.toFixed(0).padStart(6)} MB/s   RTT median ${relayedLatency.median.toFixed(3)} ms, p99 ${relayedLatency.p99.toFixed(3)} ms`);
  console.log(`ratio relayed/direct     ${(relayedMBps / directMBps).toFixed(3)} (throughput), ${(relayedLatency.median / directLatency.median).toFixed(1)}x (median RTT)`);
  console.log(`dialGateway (outer TLS + frame + channel + inner mTLS + admission): median ${connectMs[10]!.toFixed(1)} ms, max ${connectMs[19]!.toFixed(1)} ms (n=20)`);
  console.log(`(${megabytes} MB each way, ${roundTrips} round trips of 64 bytes)`);
}

await main();

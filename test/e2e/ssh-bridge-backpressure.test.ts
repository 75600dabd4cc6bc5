/**
 * Recording backpressure through the gateway SSH bridge against a real sshd: while the recorder
 * says it is behind, the target's output is not read (sshd's window closes and the command
 * waits); once it catches up, every byte and the exit status reach the user and the recording.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SessionRecorder } from '@postern/shared/recording/recorder';
import { connectGatewaySsh } from '../../desktop/src/core/ssh/gateway-ssh-client.ts';
import { duplexPair } from '../fixtures/duplex-pair.ts';
import { laggingRecorder } from '../fixtures/lagging-recorder.ts';
import { exec, serveBridge, startTargetFixture, type TargetFixture } from '../fixtures/ssh-bridge.ts';

let fixture: TargetFixture;
beforeAll(async () => { fixture = await startTargetFixture(); });
afterAll(async () => { await fixture?.sshd.close(); });

async function openBridge(recorder: SessionRecorder) {
  const [clientSide, gatewaySide] = duplexPair();
  serveBridge(gatewaySide, fixture, { recorder });
  return (await connectGatewaySsh(clientSide)).client;
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('reads no more output while the recorder is behind, then delivers all of it, recorded, with the exit status', async () => {
  const lagging = laggingRecorder();
  const client = await openBridge(lagging.recorder);
  // 8 MB: far more than the windows and buffers on the way, so the command cannot finish while held.
  const result = exec(client, 'head -c 8000000 /dev/zero | tr "\\0" x; exit 4');
  await expect.poll(lagging.held, { timeout: 10_000 }).toBe(true);
  const atHold = lagging.recorded();
  await settle(300);
  expect(lagging.recorded()).toBe(atHold);
  lagging.catchUp();
  const { stdout, code } = await result;
  expect(code).toBe(4);
  expect(stdout.length).toBe(8_000_000);
  expect(lagging.recorded()).toBe(8_000_000);
  client.end();
});

it('output the target sent before exiting while held is delivered before the exit status, not dropped', async () => {
  const lagging = laggingRecorder();
  const client = await openBridge(lagging.recorder);
  // Small enough for sshd to send it all and close the channel while the bridge holds it.
  const result = exec(client, 'seq 1 20000; exit 7');
  await expect.poll(lagging.held, { timeout: 10_000 }).toBe(true);
  await settle(300);
  lagging.catchUp();
  const { stdout, code } = await result;
  expect(code).toBe(7);
  expect(stdout.trim().split('\n')).toHaveLength(20_000);
  expect(stdout.trim().split('\n').at(-1)).toBe('20000');
  client.end();
});

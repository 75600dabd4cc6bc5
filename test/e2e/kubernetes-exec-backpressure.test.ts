/**
 * Recording backpressure on `kubectl exec` through the gateway: while the recorder is behind, the
 * API server's output is not read (TCP then slows the exec); once it catches up, kubectl gets
 * every byte and the recording has them all.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { laggingRecorder, type LaggingRecorder } from '../fixtures/lagging-recorder.ts';
import { startChain, type Chain } from './kubernetes-harness.ts';

let chain: Chain;
let lagging: LaggingRecorder;

beforeAll(async () => {
  lagging = laggingRecorder();
  chain = await startChain({ cluster: { token: 'sa-token-backpressure', pods: [{ name: 'web-1' }] }, sessionRecorder: lagging.recorder });
});
afterAll(async () => { await chain?.close(); });

it('holds the exec output while the recorder is behind, then delivers and records all of it', async () => {
  const input = 'x'.repeat(4_000_000);
  const result = chain.kubectl(['exec', '-i', 'web-1', '--', 'cat'], { stdin: input, timeoutMs: 60_000 });
  await expect.poll(lagging.held, { timeout: 20_000 }).toBe(true);
  const atHold = lagging.recorded();
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(lagging.recorded()).toBe(atHold);
  expect(atHold).toBeLessThan(input.length);
  lagging.catchUp();
  const { code, stdout } = await result;
  expect(code).toBe(0);
  expect(stdout.length).toBe(input.length);
  await expect.poll(lagging.recorded, { timeout: 5_000 }).toBe(input.length);
});

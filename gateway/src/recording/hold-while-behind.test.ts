import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { RecorderFlow } from '@postern/shared/recording/recorder';
import { holdWhileBehind } from './hold-while-behind.ts';

/** A flow the test drives: behind until `catchUp()`. */
function testFlow() {
  let behind = false;
  let waiting: (() => void) | undefined;
  const flow: RecorderFlow = { behind: () => behind, onceCaughtUp: (listener) => { waiting = listener; } };
  return { flow, fallBehind: () => { behind = true; }, catchUp: () => { behind = false; const w = waiting; waiting = undefined; w?.(); }, waiting: () => waiting !== undefined };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('holdWhileBehind', () => {
  it('stops the flow after the chunk that found the recorder behind, delivers that chunk, and resumes in order after the catch-up', async () => {
    const source = new PassThrough();
    const destination = new PassThrough();
    const recorded: string[] = [];
    const delivered: string[] = [];
    const control = testFlow();
    source.on('data', (chunk: Buffer) => { recorded.push(chunk.toString()); if (chunk.toString() === 'b') control.fallBehind(); });
    source.pipe(destination);
    destination.on('data', (chunk: Buffer) => delivered.push(chunk.toString()));
    const hold = holdWhileBehind([{ source, destination, connect: () => source.pipe(destination) }], control.flow, () => true);
    for (const chunk of ['a', 'b', 'c', 'd']) source.write(chunk);
    await turn();
    expect(recorded).toEqual(['a', 'b']);
    expect(delivered).toEqual(['a', 'b']);
    expect(control.waiting()).toBe(true);
    let released = false;
    void hold.released().then(() => { released = true; });
    await turn();
    expect(released).toBe(false);
    control.catchUp();
    await turn();
    await turn();
    expect(recorded).toEqual(['a', 'b', 'c', 'd']);
    expect(delivered).toEqual(['a', 'b', 'c', 'd']);
    expect(released).toBe(true);
  });

  it('does nothing while the recorder keeps up, and does not reconnect a pipe whose ends are gone', async () => {
    const source = new PassThrough();
    const destination = new PassThrough();
    const control = testFlow();
    source.pipe(destination);
    const delivered: string[] = [];
    destination.on('data', (chunk: Buffer) => delivered.push(chunk.toString()));
    let connects = 0;
    const hold = holdWhileBehind([{ source, destination, connect: () => { connects += 1; source.pipe(destination); } }], control.flow, () => !destination.destroyed);
    source.write('x');
    await turn();
    expect(delivered).toEqual(['x']);
    await hold.released();
    control.fallBehind();
    source.write('y');
    await turn();
    destination.destroy();
    control.catchUp();
    await hold.released();
    expect(connects).toBe(0);
  });
});

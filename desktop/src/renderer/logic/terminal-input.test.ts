import { expect, it } from 'vitest';
import { createInputQueue } from './terminal-input.ts';

it('sends one call at a time, in order, joining what was typed meanwhile', async () => {
  const sent: string[] = [];
  const inFlight: Array<() => void> = [];
  const enqueue = createInputQueue((data) => {
    sent.push(data);
    return new Promise<void>((resolve) => inFlight.push(resolve));
  });
  const done = enqueue('s');
  enqueue('i');
  enqueue('z');
  enqueue('e');
  expect(sent).toEqual(['s']);
  inFlight.shift()!();
  await new Promise((resolve) => setTimeout(resolve, 0));
  expect(sent).toEqual(['s', 'ize']);
  inFlight.shift()!();
  await done;
  expect(sent.join('')).toBe('size');
});

it('keeps going after a failed call', async () => {
  const sent: string[] = [];
  const enqueue = createInputQueue(async (data) => {
    sent.push(data);
    if (data === 'a') throw new Error('gone');
  });
  await Promise.all([enqueue('a'), enqueue('b')]);
  expect(sent).toEqual(['a', 'b']);
});

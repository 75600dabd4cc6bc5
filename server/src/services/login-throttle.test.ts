import { describe, expect, it } from 'vitest';
import { LoginThrottle, TooManyAttemptsError } from './login-throttle.ts';

function throttleAt(startMs: number, options = { maxFailures: 3, windowMs: 60_000, maxKeys: 100 }) {
  let now = startMs;
  return { throttle: new LoginThrottle(() => new Date(now), options), advance: (ms: number) => { now += ms; } };
}

describe('LoginThrottle', () => {
  it('locks a key after maxFailures within the window, and only that key', () => {
    const { throttle } = throttleAt(0);
    for (let i = 0; i < 3; i++) { throttle.assertAllowed('a'); throttle.recordFailure('a'); }
    expect(() => throttle.assertAllowed('a')).toThrow(TooManyAttemptsError);
    expect(() => throttle.assertAllowed('b')).not.toThrow();
  });

  it('tells when to retry and unlocks when the oldest failure leaves the window', () => {
    const { throttle, advance } = throttleAt(0);
    throttle.recordFailure('a'); advance(10_000);
    throttle.recordFailure('a'); advance(10_000);
    throttle.recordFailure('a');
    let caught: TooManyAttemptsError | undefined;
    try { throttle.assertAllowed('a'); } catch (error) { caught = error as TooManyAttemptsError; }
    expect(caught?.status).toBe(429);
    expect(caught?.details).toEqual({ retryAfterSeconds: 40 });
    advance(40_000);
    expect(() => throttle.assertAllowed('a')).not.toThrow();
  });

  it('a success clears the key', () => {
    const { throttle } = throttleAt(0);
    throttle.recordFailure('a'); throttle.recordFailure('a');
    throttle.recordSuccess('a');
    throttle.recordFailure('a'); throttle.recordFailure('a');
    expect(() => throttle.assertAllowed('a')).not.toThrow();
  });

  it('holds at most maxKeys keys, shedding the oldest', () => {
    const { throttle } = throttleAt(0, { maxFailures: 1, windowMs: 60_000, maxKeys: 10 });
    for (let i = 0; i < 25; i++) throttle.recordFailure(`k${i}`);
    expect(() => throttle.assertAllowed('k0')).not.toThrow();
    expect(() => throttle.assertAllowed('k24')).toThrow(TooManyAttemptsError);
  });
});

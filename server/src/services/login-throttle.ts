import { PosternError } from '@postern/shared/errors';

/**
 * Slows online password guessing: after `maxFailures` failed sign-ins for one account key (email
 * or client id) within `windowMs`, further attempts for that key are refused until the window has
 * passed, even with the right password. A success clears the key.
 *
 * Kept in memory per server process: with several servers an attacker gets `maxFailures` per
 * server per window, still a hard ceiling; the audit log keeps every attempt regardless.
 */
export class TooManyAttemptsError extends PosternError {
  constructor(retryAfterSeconds: number) {
    super('too_many_attempts', 429, `Too many failed sign-ins for this account; try again in ${retryAfterSeconds} s.`, { retryAfterSeconds });
  }
}

export interface LoginThrottleOptions { maxFailures: number; windowMs: number; maxKeys: number }

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleOptions = { maxFailures: 5, windowMs: 15 * 60 * 1000, maxKeys: 10_000 };

export class LoginThrottle {
  // Insertion-ordered, so the first entries are the oldest when the map must shed keys.
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly clock: () => Date, private readonly options: LoginThrottleOptions = DEFAULT_LOGIN_THROTTLE) {}

  private recent(key: string, now: number): number[] {
    const times = (this.failures.get(key) ?? []).filter((at) => now - at < this.options.windowMs);
    if (times.length) this.failures.set(key, times);
    else this.failures.delete(key);
    return times;
  }

  /** Throws TooManyAttemptsError when the key is locked out. */
  assertAllowed(key: string): void {
    const now = this.clock().getTime();
    const times = this.recent(key, now);
    if (times.length < this.options.maxFailures) return;
    const retryAfterMs = this.options.windowMs - (now - times[times.length - this.options.maxFailures]!);
    throw new TooManyAttemptsError(Math.max(1, Math.ceil(retryAfterMs / 1000)));
  }

  recordFailure(key: string): void {
    const now = this.clock().getTime();
    const times = this.recent(key, now);
    this.failures.delete(key);
    this.failures.set(key, [...times, now].slice(-this.options.maxFailures));
    while (this.failures.size > this.options.maxKeys) {
      const oldest = this.failures.keys().next().value;
      if (oldest === undefined) break;
      this.failures.delete(oldest);
    }
  }

  recordSuccess(key: string): void {
    this.failures.delete(key);
  }
}

import type { Config } from './config.ts';
import type { Db } from './db/client.ts';
import type { Logger } from './logger.ts';
import type { Principal } from './http/principal.ts';
import type { LoginThrottle } from './services/login-throttle.ts';
import type { Vault } from './services/vault.ts';

/** Everything a request handler may use, built once in main.ts (or the test harness) and passed in. */
export interface AppDeps {
  db: Db;
  config: Config;
  /** The current time; tests pass a controllable clock to expire tokens without waiting. */
  clock: () => Date;
  logger: Logger;
  /** Encrypts and decrypts every stored secret (services/vault.ts). */
  vault: Vault;
}

/** The Hono environment of every route: `c.var.deps` always, `c.var.principal` after requireAuth. */
export interface AppEnv {
  Variables: {
    deps: AppDeps;
    principal: Principal;
    /** The sign-in the access token belongs to (logout revokes it). */
    tokenFamilyId: string;
    requestId: string;
    /** Per-app limiter of failed sign-ins (services/login-throttle.ts). */
    loginThrottle: LoginThrottle;
  };
}

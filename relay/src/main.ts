#!/usr/bin/env -S node --import tsx
/**
 * `postern-relay`: reads the environment once (config.ts), starts both listeners, prints one
 * JSON line `{"event":"relay_listening",…}` with the bound ports, and stops on SIGINT/SIGTERM.
 * Runs unchanged under Deno: `deno run -A relay/src/main.ts`.
 */
import process from 'node:process';
import { loadRelayConfig } from './config.ts';
import { jsonLinesLog } from './log.ts';
import { startRelay } from './relay.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadRelayConfig(process.env);
  } catch (error) {
    process.stderr.write(`postern-relay: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const log = jsonLinesLog(config.relayId);
  const relay = await startRelay(config, log);
  const stop = (signal: string) => {
    log('relay_stopping', { signal });
    relay.close().then(() => process.exit(0), () => process.exit(1));
    setTimeout(() => process.exit(1), 5000).unref?.();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: Error) => {
  process.stderr.write(`postern-relay: ${error.message}\n`);
  process.exit(1);
});

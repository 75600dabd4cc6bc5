#!/usr/bin/env -S node --initial-old-space-size=64 --import tsx
/**
 * `postern-relay`: with POSTERN_RELAY_SERVER_URL it enrolls with the server (enrolled-main.ts);
 * otherwise it reads its certificates from the environment (config.ts). Starts both listeners,
 * prints one JSON line `{"event":"relay_listening",…}` with the bound ports, and stops on
 * SIGINT/SIGTERM. Runs unchanged under Deno: `deno run -A relay/src/main.ts`.
 */
import process from 'node:process';
import { loadRelayConfig } from './config.ts';
import { isEnrolledMode, runEnrolledRelay } from './enrolled-main.ts';
import { jsonLinesLog, type RelayLog } from './log.ts';
import { startRelay } from './relay.ts';

async function startFromEnvironment(): Promise<{ stop(): Promise<void>; log: RelayLog }> {
  let config;
  try {
    config = loadRelayConfig(process.env);
  } catch (error) {
    process.stderr.write(`postern-relay: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const log = jsonLinesLog(config.relayId);
  const relay = await startRelay(config, log);
  return { stop: () => relay.close(), log };
}

async function main(): Promise<void> {
  const running = isEnrolledMode(process.env)
    ? await runEnrolledRelay(process.env, jsonLinesLog)
    : await startFromEnvironment();
  const stop = (signal: string) => {
    running.log('relay_stopping', { signal });
    running.stop().then(() => process.exit(0), () => process.exit(1));
    setTimeout(() => process.exit(1), 5000).unref?.();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: Error) => {
  process.stderr.write(`postern-relay: ${error.message}\n`);
  process.exit(1);
});

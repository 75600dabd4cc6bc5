#!/usr/bin/env -S node --initial-old-space-size=64 --import tsx
/**
 * `postern-gateway --server URL --token CLIENT_ID:CLIENT_SECRET [--data-dir DIR]`: enrolls with
 * the server (or reuses the valid enrollment in its data folder), keeps the tunnel to the relay
 * the server named, serves sessions, renews its certificates, and stops on SIGINT/SIGTERM.
 * Without --server it runs from certificates given in the environment (config.ts), as before.
 * Exit codes: 2 bad configuration, 3 revoked or refused by the server, 1 anything else.
 */
import process from 'node:process';
import { pino } from 'pino';
import { loadGatewayConfig } from './config.ts';
import { parseGatewayArguments, runEnrolledGateway } from './enrolled-main.ts';
import { startGateway } from './gateway.ts';
import { httpSessionCheck } from './session-check.ts';

function fail(code: number, message: string): never {
  process.stderr.write(`postern-gateway: ${message}\n`);
  process.exit(code);
}

function runFromEnvironment(): void {
  let config;
  try {
    config = loadGatewayConfig(process.env);
  } catch (error) {
    fail(2, (error as Error).message);
  }
  const log = pino({ level: config.logLevel, base: { gatewayId: config.gatewayId, orgId: config.orgId } });
  const gateway = startGateway(config, { checkSession: httpSessionCheck(config.sessionCheck), log });
  onStopSignal((signal) => {
    log.info({ event: 'gateway_stopping', signal }, 'stopping');
    gateway.close();
    return Promise.resolve();
  });
}

function onStopSignal(stop: (signal: string) => Promise<void>): void {
  let stopping = false;
  // Ctrl+C under `npm start` reaches the gateway twice (the terminal's SIGINT, the launcher's SIGTERM).
  const handle = (signal: string) => {
    if (stopping) return;
    stopping = true;
    stop(signal).finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.once('SIGINT', () => handle('SIGINT'));
  process.once('SIGTERM', () => handle('SIGTERM'));
}

const parsed = parseGatewayArguments(process.argv.slice(2), process.env);
if (parsed.kind === 'invalid') fail(2, parsed.message);
if (parsed.kind === 'environment') runFromEnvironment();
else {
  runEnrolledGateway(parsed.options, process.env).then((running) => onStopSignal(running.stop), (error: Error & { status?: number }) => {
    fail(error.status === 403 || error.status === 401 ? 3 : 1, error.message);
  });
}

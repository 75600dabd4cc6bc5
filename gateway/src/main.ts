#!/usr/bin/env -S node --import tsx
/**
 * `postern-gateway`: reads the environment once (config.ts), keeps the tunnel to the relay up,
 * serves sessions over it, and stops on SIGINT/SIGTERM. Enrollment (`--server URL --token T`)
 * comes with the server's enrollment endpoints; until then certificates come from config.
 */
import process from 'node:process';
import { pino } from 'pino';
import { loadGatewayConfig } from './config.ts';
import { startGateway } from './gateway.ts';
import { httpSessionCheck } from './session-check.ts';

function main(): void {
  let config;
  try {
    config = loadGatewayConfig(process.env);
  } catch (error) {
    process.stderr.write(`postern-gateway: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const log = pino({ level: config.logLevel, base: { gatewayId: config.gatewayId, orgId: config.orgId } });
  const gateway = startGateway(config, { checkSession: httpSessionCheck(config.sessionCheck), log });
  const stop = (signal: string) => {
    log.info({ event: 'gateway_stopping', signal }, 'stopping');
    gateway.close();
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main();

import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('fills every default from an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1', port: 8080, dataDir: './.postern', databaseUrl: undefined, rootKey: undefined,
      publicUrl: 'http://127.0.0.1:8080', accessTokenTtlSeconds: 900, refreshTokenTtlSeconds: 2_592_000, maxBodyBytes: 1_048_576,
    });
  });

  it('reads and coerces the variables it knows, treating empty strings as unset', () => {
    const rootKey = Buffer.alloc(32, 7).toString('base64');
    const config = loadConfig({
      POSTERN_PORT: '9443', DATABASE_URL: 'postgres://u:p@db:5432/postern', POSTERN_ROOT_KEY: rootKey,
      POSTERN_PUBLIC_URL: 'https://pam.example.com/', POSTERN_ADMIN_EMAIL: '', POSTERN_MAX_BODY_BYTES: '4096',
    });
    expect(config).toMatchObject({ port: 9443, databaseUrl: 'postgres://u:p@db:5432/postern', rootKey, publicUrl: 'https://pam.example.com', maxBodyBytes: 4096 });
    expect(config.bootstrap.adminEmail).toBeUndefined();
  });

  it.each([
    ['POSTERN_PORT', 'eighty'],
    ['POSTERN_PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['POSTERN_ROOT_KEY', 'c2hvcnQ='],
    ['POSTERN_PUBLIC_URL', 'not a url'],
    ['POSTERN_ADMIN_EMAIL', 'admin'],
    ['POSTERN_ADMIN_PASSWORD', 'short'],
    ['POSTERN_ACCESS_TOKEN_TTL_SECONDS', '-5'],
  ])('fails naming %s when it is %j', (variable, value) => {
    let caught: unknown;
    try { loadConfig({ [variable]: value }); } catch (error) { caught = error; }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).variables).toEqual([variable]);
    expect((caught as ConfigError).message).toContain(variable);
  });

  it('never echoes a rejected value, which may be a secret', () => {
    expect(() => loadConfig({ POSTERN_ADMIN_PASSWORD: 'hunter2' })).toThrow(/^(?!.*hunter2)/s);
  });
});

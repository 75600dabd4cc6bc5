import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { issuePath, validationErrorFrom } from './validation.ts';

describe('validation errors named like the API names fields', () => {
  it('joins keys with dots and indexes with brackets', () => {
    expect([issuePath([]), issuePath(['port']), issuePath(['credential', 'password']), issuePath(['hosts', 2, 'name'])]).toEqual(['', 'port', 'credential.password', 'hosts[2].name']);
  });

  it('builds the API\'s validation_failed error with one issue per problem', () => {
    const parsed = z.object({ port: z.number().max(65535, 'too big'), tls: z.object({ verify: z.boolean() }) }).safeParse({ port: 70000, tls: {} });
    const error = validationErrorFrom('body', parsed.error!);
    expect(error.code).toBe('validation_failed');
    expect(error.details).toMatchObject({ location: 'body', fields: ['port', 'tls.verify'] });
    expect(error.message).toMatch(/^The request body is invalid: port: too big; tls\.verify: /);
  });
});

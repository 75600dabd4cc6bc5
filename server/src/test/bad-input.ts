import { describe, expect, it } from 'vitest';
import type { TestServer } from './harness.ts';

/**
 * The bad-input checks every body-taking route must pass: malformed JSON, wrong types, missing
 * fields, control characters in names, oversized bodies. Each must get its documented error and
 * leave every table exactly as it was.
 */
export interface BadInputTarget {
  server: () => TestServer;
  method: 'POST' | 'PATCH' | 'PUT';
  path: () => string;
  token: () => string;
  /** A body of the right shape (ids may be random: validation fails before any lookup); each case breaks one thing. */
  validBody: Record<string, unknown>;
  /** Fields whose absence must be refused. */
  required: string[];
  /** Free-text name fields: must refuse control characters. */
  nameFields?: string[];
}

interface Case { label: string; raw?: string; body?: unknown; status: number; code: string; field?: string }

function wrongTypeFor(value: unknown): unknown {
  if (typeof value === 'string') return 12345;
  if (typeof value === 'number') return 'not a number';
  if (typeof value === 'boolean') return 'yes';
  return 'not an object';
}

function casesFor(target: BadInputTarget): Case[] {
  const valid = target.validBody;
  const cases: Case[] = [
    { label: 'malformed JSON', raw: '{"name": "x",', status: 400, code: 'malformed_request' },
    { label: 'a JSON array instead of an object', body: [valid], status: 400, code: 'validation_failed' },
    { label: 'JSON null', raw: 'null', status: 400, code: 'validation_failed' },
  ];
  for (const [field, value] of Object.entries(valid)) {
    cases.push({ label: `wrong type for ${field}`, body: { ...valid, [field]: wrongTypeFor(value) }, status: 400, code: 'validation_failed', field });
  }
  for (const field of target.required) {
    const { [field]: _omitted, ...rest } = valid;
    cases.push({ label: `missing ${field}`, body: rest, status: 400, code: 'validation_failed', field });
  }
  for (const field of target.nameFields ?? []) {
    cases.push({ label: `newline in ${field}`, body: { ...valid, [field]: 'evil\nname' }, status: 400, code: 'validation_failed', field });
    cases.push({ label: `bidi override in ${field}`, body: { ...valid, [field]: 'abc\u202Etxt.exe' }, status: 400, code: 'validation_failed', field });
    cases.push({ label: `overlong ${field}`, body: { ...valid, [field]: 'x'.repeat(101) }, status: 400, code: 'validation_failed', field });
    cases.push({ label: `blank ${field}`, body: { ...valid, [field]: '   ' }, status: 400, code: 'validation_failed', field });
  }
  return cases;
}

export function describeBadInput(title: string, target: BadInputTarget): void {
  describe(`${title}: bad input`, () => {
    const cases = casesFor(target);
    it.each(cases)('$label → $status $code, nothing changed', async (testCase) => {
      const server = target.server();
      const before = await server.tableCounts();
      const res = await server.request(target.method, target.path(), {
        token: target.token(),
        ...(testCase.raw !== undefined ? { rawBody: testCase.raw } : { json: testCase.body }),
      });
      expect(res.status).toBe(testCase.status);
      expect(res.body.error.code).toBe(testCase.code);
      if (testCase.field) expect(res.body.error.details.fields).toContain(testCase.field);
      expect(await server.tableCounts()).toEqual(before);
    });

    it('an oversized body → 413 payload_too_large, nothing changed', async () => {
      const server = target.server();
      const before = await server.tableCounts();
      const padding = 'x'.repeat(server.config.maxBodyBytes + 1);
      const res = await server.request(target.method, target.path(), { token: target.token(), json: { ...target.validBody, padding } });
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('payload_too_large');
      expect(await server.tableCounts()).toEqual(before);
    });
  });
}

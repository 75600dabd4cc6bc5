import { describe, expect, it } from 'vitest';
import { ConflictError, errorFromBody, NotFoundError, PosternError } from './errors.ts';

describe('errors', () => {
  it('serializes to the one error shape and back', () => {
    const err = new NotFoundError('resource', 'abc');
    const body = err.toBody();
    expect(body).toEqual({
      error: { code: 'resource_not_found', message: expect.stringContaining('"abc"'), details: { kind: 'resource', id: 'abc' } },
    });
    const back = errorFromBody(404, body);
    expect(back).toBeInstanceOf(PosternError);
    expect(back.code).toBe('resource_not_found');
    expect(back.status).toBe(404);
  });

  it('names the subclass and keeps status', () => {
    const err = new ConflictError('A resource named "db" already exists in this project.');
    expect(err.name).toBe('ConflictError');
    expect(err.status).toBe(409);
  });

  it('rejects bodies that are not Postern errors', () => {
    expect(errorFromBody(502, '<html>').code).toBe('unexpected_response');
    expect(errorFromBody(500, { error: { code: 1 } }).code).toBe('unexpected_response');
  });
});

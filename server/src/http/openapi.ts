import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../deps.ts';

/** The app every route file registers on. */
export type App = OpenAPIHono<AppEnv>;

export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'project_not_found' }),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .openapi('Error');

const ERROR_DESCRIPTIONS = {
  400: 'Malformed JSON (`malformed_request`) or a request that fails its schema (`validation_failed`, field paths in details)',
  401: 'Missing, unknown, expired or revoked token',
  403: 'Signed in, but the role is too weak for this action',
  404: 'No such object, or it belongs to another org',
  409: 'A unique name or value is already taken (`conflict`, the field in details)',
  413: 'The request body is larger than the configured limit',
  410: 'The session has ended',
  422: 'Well-formed but cannot be processed as asked',
  429: 'Too many failed sign-ins for this account; Retry-After says when to try again',
  503: 'A dependency (relay, gateway) is not available yet',
} as const;

export type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** OpenAPI response entries for the error statuses a route can answer with. */
export function errorResponses<S extends ErrorStatus>(...statuses: S[]) {
  const responses = {} as Record<S, { description: string; content: { 'application/json': { schema: typeof ErrorBodySchema } } }>;
  for (const status of statuses) {
    responses[status] = { description: ERROR_DESCRIPTIONS[status], content: { 'application/json': { schema: ErrorBodySchema } } };
  }
  return responses;
}

/**
 * A required JSON request body. `required: true` matters: without it zod-openapi skips validation
 * when the Content-Type is not JSON and the handler would see an empty object.
 */
export function jsonBody<T extends z.ZodType>(schema: T, description?: string) {
  return { required: true, ...(description ? { description } : {}), content: { 'application/json': { schema } } } as const;
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } } as const;
}

/** The bearer-token requirement, for `security` in createRoute. */
export const bearerAuth = [{ bearerAuth: [] }];

export const UuidParam = (name: string) =>
  z.uuid().openapi({ param: { name, in: 'path' }, example: '0b6b9a2e-4a5f-4c1e-9d0a-3f1f8f6c2a11' });

export { z };

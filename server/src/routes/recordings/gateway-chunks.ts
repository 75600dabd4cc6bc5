/**
 * The session's gateway: gets the session's recording key (while the session is active) and
 * uploads sealed chunks (any time, also after the session ended or after a gateway crash).
 */
import { createRoute } from '@hono/zod-openapi';
import { requireAuth } from '../../http/auth.ts';
import { bearerAuth, errorResponses, jsonResponse, type App } from '../../http/openapi.ts';
import { z } from '../../http/schemas.ts';
import { MAX_CHUNK_BYTES, ingestRecordingChunk, recordingKeyForGateway } from '../../services/recordings.ts';

const sessionId = z.uuid().openapi({ param: { name: 'sessionId', in: 'path' } });
const base = { tags: ['recordings'], middleware: [requireAuth], security: bearerAuth };

const KeyResponse = z.object({
  sessionId: z.uuid(),
  key: z.string().openapi({ description: 'AES-256-GCM key (base64url, 32 bytes) the gateway seals this session\'s chunks with; keep it in memory only' }),
  maxChunkBytes: z.number().int(),
  nextIndex: z.number().int().openapi({ description: 'First chunk index the server does not hold yet (continue from here after a restart)' }),
}).openapi('RecordingKey');

const StoredChunk = z.object({
  sessionId: z.uuid(),
  index: z.number().int(),
  sha256: z.string().openapi({ description: 'SHA-256 (hex) of the stored sealed chunk; delete the spool file only when it matches' }),
  size: z.number().int(),
  final: z.boolean(),
  duplicate: z.boolean().openapi({ description: 'The same chunk was already stored (a retry)' }),
}).openapi('StoredRecordingChunk');

const keyRoute = createRoute({
  ...base, method: 'post', path: '/api/v1/pam/sessions/{sessionId}/recording/key', summary: "The session's recording key (the session's gateway, while the session is active)",
  request: { params: z.object({ sessionId }) },
  responses: { 200: jsonResponse(KeyResponse, 'The key'), ...errorResponses(400, 401, 403, 404), 410: jsonResponse(z.object({}), 'The session has ended') },
});

const chunkRoute = createRoute({
  ...base, method: 'put', path: '/api/v1/pam/sessions/{sessionId}/recording/chunks/{index}',
  summary: 'Upload one sealed recording chunk (the session\'s gateway); the same bytes again are a no-op, other bytes for a stored index are refused',
  request: {
    params: z.object({ sessionId, index: z.coerce.number().int().min(0).max(0xffff_ffff).openapi({ param: { name: 'index', in: 'path' } }) }),
    headers: z.object({ 'x-postern-chunk-sha256': z.string().regex(/^[0-9a-fA-F]{64}$/).optional().openapi({ description: 'SHA-256 (hex) of the body, checked' }) }),
    body: { required: true, content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } },
  },
  responses: { 200: jsonResponse(StoredChunk, 'Stored (or already stored)'), ...errorResponses(400, 401, 403, 404, 409, 413, 422) },
});

export function register(app: App): void {
  app.openapi(keyRoute, async (c) => {
    const { session, key, nextIndex } = await recordingKeyForGateway(c.var.deps, c.var.principal, c.req.valid('param').sessionId);
    return c.json({ sessionId: session.id, key: key.toString('base64url'), maxChunkBytes: MAX_CHUNK_BYTES, nextIndex }, 200);
  });
  app.openapi(chunkRoute, async (c) => {
    const { sessionId: id, index } = c.req.valid('param');
    const body = new Uint8Array(await c.req.arrayBuffer());
    const stored = await ingestRecordingChunk(c.var.deps, c.var.principal, id, index, body, c.req.valid('header')['x-postern-chunk-sha256']);
    return c.json({ sessionId: id, ...stored }, 200);
  });
}

/**
 * The two server calls of the recording spool, as the session's gateway (machine identity token):
 * the session's recording key, and the upload of one sealed chunk.
 */
import { z } from 'zod';
import { errorFromBody, type PosternError } from '@postern/shared/errors';
import { chunkSha256, RECORDING_KEY_BYTES } from '@postern/shared/recording/chunk';
import { putBody } from './chunk-put.ts';

export interface RecordingServerApi {
  serverUrl: string;
  token: () => Promise<string> | string;
  /** For tests that play the network; without it the key call uses fetch and uploads use node:http(s) (chunk-put.ts). */
  fetch?: typeof fetch;
}

const TIMEOUT_MS = 30_000;

const zKey = z.object({ key: z.string(), nextIndex: z.number().int().min(0) });
const zStored = z.object({ index: z.number().int(), sha256: z.string() });

async function call(api: RecordingServerApi, path: string, init: RequestInit): Promise<{ status: number; json: unknown }> {
  const response = await (api.fetch ?? fetch)(new URL(path, api.serverUrl), {
    ...init,
    headers: { ...init.headers as Record<string, string>, authorization: `Bearer ${await api.token()}` },
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  return { status: response.status, json: await response.json().catch(() => null) };
}

export async function fetchRecordingKey(api: RecordingServerApi, sessionId: string): Promise<{ key: Buffer; nextIndex: number }> {
  const answer = await call(api, `/api/v1/pam/sessions/${encodeURIComponent(sessionId)}/recording/key`, { method: 'POST' });
  if (answer.status !== 200) throw errorFromBody(answer.status, answer.json);
  const parsed = zKey.parse(answer.json);
  const key = Buffer.from(parsed.key, 'base64url');
  if (key.length !== RECORDING_KEY_BYTES) throw new Error(`the server sent a ${key.length}-byte recording key`);
  return { key, nextIndex: parsed.nextIndex };
}

export type UploadOutcome =
  | { kind: 'stored' }
  /** The server will never take this chunk (malformed, tampered, conflicting, unknown session). */
  | { kind: 'refused'; error: PosternError }
  /** Try again later (network, server down, token expired, rate limited). */
  | { kind: 'retry'; reason: string };

const FINAL_REFUSALS = new Set([400, 404, 409, 413, 422]);

/** Uploads one sealed chunk; `stored` only when the server confirms this exact content and index. */
export async function uploadChunk(api: RecordingServerApi, sessionId: string, index: number, sealed: Uint8Array): Promise<UploadOutcome> {
  const sha256 = chunkSha256(sealed);
  let answer;
  try {
    const path = `/api/v1/pam/sessions/${encodeURIComponent(sessionId)}/recording/chunks/${index}`;
    const headers = { 'content-type': 'application/octet-stream', 'x-postern-chunk-sha256': sha256 };
    answer = api.fetch
      ? await call(api, path, { method: 'PUT', headers, body: sealed })
      : await putBody(new URL(path, api.serverUrl), { ...headers, authorization: `Bearer ${await api.token()}` }, sealed, TIMEOUT_MS);
  } catch (error) {
    return { kind: 'retry', reason: error instanceof Error ? error.message : String(error) };
  }
  if (answer.status === 200) {
    const stored = zStored.safeParse(answer.json);
    if (stored.success && stored.data.index === index && stored.data.sha256 === sha256) return { kind: 'stored' };
    return { kind: 'retry', reason: 'the server did not confirm this chunk by its hash' };
  }
  if (FINAL_REFUSALS.has(answer.status)) return { kind: 'refused', error: errorFromBody(answer.status, answer.json) };
  return { kind: 'retry', reason: `the server answered ${answer.status}` };
}

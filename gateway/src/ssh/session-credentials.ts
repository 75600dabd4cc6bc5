/**
 * Fetches what the bridge needs to log in to the target for one session, from the server, as
 * the session's gateway: the target address and the account's credential. For certificate
 * accounts the server signs the fresh per-session public key sent with the request (the private
 * key never leaves this process and is never stored). The server answers only for an active
 * session of this gateway (404/410 otherwise), so the answer also admits the session.
 */
import { z } from 'zod';
import { PosternError, errorFromBody } from '@postern/shared/errors';
import { formatPublicKeyLine, generateEd25519KeyPair } from '@postern/shared/ssh/keys';
import type { SshTarget, SshTargetCredential } from './context.ts';

const zCredentials = z.object({
  expiresAt: z.string(),
  target: z.object({ type: z.literal('ssh'), host: z.string(), port: z.number(), hostKeys: z.array(z.string()).optional() }),
  credential: z.discriminatedUnion('type', [
    z.object({ type: z.literal('ssh-password'), username: z.string(), password: z.string() }),
    z.object({ type: z.literal('ssh-key'), username: z.string(), privateKey: z.string(), passphrase: z.string().optional() }),
    z.object({ type: z.literal('ssh-certificate'), username: z.string(), certificate: z.string() }),
  ]),
});

export interface SshSessionTarget {
  target: SshTarget;
  credential: SshTargetCredential;
  expiresAt: Date;
}

export interface ServerApi {
  serverUrl: string;
  token: () => Promise<string> | string;
  fetch?: typeof fetch;
}

async function post(api: ServerApi, sessionId: string, body: object): Promise<{ status: number; json: unknown }> {
  const response = await (api.fetch ?? fetch)(new URL(`/api/v1/pam/sessions/${encodeURIComponent(sessionId)}/credentials`, api.serverUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await api.token()}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, json: await response.json().catch(() => null) };
}

function parse(answer: { status: number; json: unknown }) {
  if (answer.status !== 200) throw errorFromBody(answer.status, answer.json);
  const parsed = zCredentials.safeParse(answer.json);
  if (!parsed.success) throw new PosternError('unexpected_response', 502, 'The server answered with credentials that are not for an SSH target.');
  return parsed.data;
}

/**
 * One call whatever the account type: a fresh public key goes with the first request (the server
 * signs it for certificate accounts and ignores it otherwise), so a certificate account costs no
 * second round trip. The key pair lives only in this process and only for this session.
 */
export async function fetchSshSessionTarget(api: ServerApi, sessionId: string): Promise<SshSessionTarget> {
  const keyPair = generateEd25519KeyPair();
  const publicKeyLine = formatPublicKeyLine(keyPair.publicKey);
  const answer = parse(await post(api, sessionId, { sshPublicKey: publicKeyLine }));
  const target = targetOf(answer.target);
  const expiresAt = new Date(answer.expiresAt);
  switch (answer.credential.type) {
    case 'ssh-password':
      return { target, expiresAt, credential: { type: 'password', username: answer.credential.username, password: answer.credential.password } };
    case 'ssh-key': {
      const { username, privateKey, passphrase } = answer.credential;
      return { target, expiresAt, credential: { type: 'key', username, privateKey, ...(passphrase ? { passphrase } : {}) } };
    }
    case 'ssh-certificate':
      return { target, expiresAt, credential: { type: 'certificate', username: answer.credential.username, issue: certificateIssuer(api, sessionId, publicKeyLine, answer.credential.certificate), keyPair } };
  }
}

/** Hands the bridge the certificate already issued for this key; asks the server again only for another key. */
function certificateIssuer(api: ServerApi, sessionId: string, publicKeyLine: string, issued: string): (line: string) => Promise<string> {
  return async (line) => {
    if (line === publicKeyLine) return issued;
    const again = parse(await post(api, sessionId, { sshPublicKey: line }));
    if (again.credential.type !== 'ssh-certificate') throw new PosternError('unexpected_response', 502, 'The server did not answer with a certificate.');
    return again.credential.certificate;
  };
}

function targetOf(target: z.infer<typeof zCredentials>['target']): SshTarget {
  return { host: target.host, port: target.port, ...(target.hostKeys?.length ? { hostKeys: target.hostKeys } : {}) };
}

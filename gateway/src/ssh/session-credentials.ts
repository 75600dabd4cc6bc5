/**
 * Fetches what the bridge needs to log in to the target for one session, from the server, as
 * the session's gateway: the target address and the account's credential. For certificate
 * accounts the server answers that it wants a public key; the bridge then makes a fresh key
 * pair per session and `issue` has the server sign its public key (the private key never leaves
 * this process and is never stored).
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
  return zCredentials.parse(answer.json);
}

export async function fetchSshSessionTarget(api: ServerApi, sessionId: string): Promise<SshSessionTarget> {
  const first = await post(api, sessionId, {});
  const certificateAccount = first.status === 422 && (first.json as { error?: { code?: string } } | null)?.error?.code === 'ssh_public_key_required';
  if (certificateAccount) return certificateSessionTarget(api, sessionId);
  const answer = parse(first);
  if (answer.credential.type === 'ssh-certificate') throw new PosternError('unexpected_response', 502, 'The server sent a certificate the gateway did not ask for.');
  const credential: SshTargetCredential = answer.credential.type === 'ssh-password'
    ? { type: 'password', username: answer.credential.username, password: answer.credential.password }
    : { type: 'key', username: answer.credential.username, privateKey: answer.credential.privateKey, ...(answer.credential.passphrase ? { passphrase: answer.credential.passphrase } : {}) };
  return { target: targetOf(answer.target), credential, expiresAt: new Date(answer.expiresAt) };
}

/**
 * Certificate accounts: the session's key pair is made here and its certificate issued now (the
 * answer also names the target and the user); `issue` hands that certificate to the bridge for
 * this key and asks the server again only for another key.
 */
async function certificateSessionTarget(api: ServerApi, sessionId: string): Promise<SshSessionTarget> {
  const keyPair = generateEd25519KeyPair();
  const publicKeyLine = formatPublicKeyLine(keyPair.publicKey);
  const answer = parse(await post(api, sessionId, { sshPublicKey: publicKeyLine }));
  if (answer.credential.type !== 'ssh-certificate') throw new PosternError('unexpected_response', 502, 'The server did not answer with a certificate.');
  const issued = answer.credential.certificate;
  const issue = async (line: string): Promise<string> => {
    if (line === publicKeyLine) return issued;
    const again = parse(await post(api, sessionId, { sshPublicKey: line }));
    if (again.credential.type !== 'ssh-certificate') throw new PosternError('unexpected_response', 502, 'The server did not answer with a certificate.');
    return again.credential.certificate;
  };
  return {
    target: targetOf(answer.target),
    credential: { type: 'certificate', username: answer.credential.username, issue, keyPair },
    expiresAt: new Date(answer.expiresAt),
  };
}

function targetOf(target: z.infer<typeof zCredentials>['target']): SshTarget {
  return { host: target.host, port: target.port, ...(target.hostKeys?.length ? { hostKeys: target.hostKeys } : {}) };
}

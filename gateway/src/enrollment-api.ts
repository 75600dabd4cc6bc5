/**
 * The gateway's calls to the server for enrollment: machine-identity sign-in and
 * `POST /api/v1/gateways/{enroll,renew}`. The token (`--token`) is the machine identity's
 * `clientId:clientSecret`: the gateway signs in again whenever its access token nears expiry,
 * so it runs for months unattended. A bare access token is accepted too (for a one-off start),
 * but it cannot be refreshed: renewals after it expires fail with a clear message.
 */
import { z } from 'zod';
import { PosternError } from '@postern/shared/errors';

export const zEnrollmentAnswer = z.object({
  gatewayId: z.string(),
  orgId: z.string(),
  relay: z.object({ id: z.string(), name: z.string(), gatewaySshAddress: z.string(), clientTlsAddress: z.string() }),
  sshCertificate: z.string(),
  relaySshServerCaPublicKeys: z.array(z.string()),
  tlsCertificate: z.string(),
  gatewayServerCaCertificate: z.string(),
  gatewayClientCaCertificates: z.array(z.string()),
  issuedAt: z.string(),
  expiresAt: z.string(),
  renewAfter: z.string(),
});
export type EnrollmentAnswer = z.infer<typeof zEnrollmentAnswer>;

const zLoginAnswer = z.object({ accessToken: z.string(), accessTokenExpiresAt: z.string() });
const zErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** The server refused an enrollment call; `code` is the server's error code (`gateway_revoked`, …). */
export class EnrollmentRefusedError extends PosternError {
  constructor(code: string, status: number, message: string) {
    super(code, status, `The server refused the gateway: ${message}`, { serverCode: code });
  }
}

export interface EnrollmentRequestBody {
  sshPublicKey: string;
  csr: string;
  gatewayId?: string | undefined;
}

export interface GatewayServerClient {
  serverUrl: string;
  /** A valid access token (signs in again when the cached one is within a minute of expiry). */
  accessToken(): Promise<string>;
  enroll(mode: 'enroll' | 'renew', body: EnrollmentRequestBody): Promise<EnrollmentAnswer>;
  /** Tells the server which relay the tunnel is on and whether it is up (session routing reads it). */
  reportPresence(report: { relayId: string; connected: boolean; gatewayId: string }): Promise<void>;
}

const REFRESH_MARGIN_MS = 60_000;

export function gatewayServerClient(serverUrl: string, token: string, doFetch: typeof fetch = fetch): GatewayServerClient {
  const base = serverUrl.replace(/\/+$/, '');
  const separator = token.indexOf(':');
  const credentials = separator > 0 ? { clientId: token.slice(0, separator), clientSecret: token.slice(separator + 1) } : undefined;
  let cached: { token: string; expiresAt: number } | undefined = credentials ? undefined : { token, expiresAt: Number.POSITIVE_INFINITY };

  async function call<T>(path: string, body: unknown, schema: z.ZodType<T>, bearer?: string): Promise<T> {
    const response = await doFetch(`${base}${path}`, {
      method: 'POST', signal: AbortSignal.timeout(15_000),
      headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) {
      const parsed = zErrorBody.safeParse(safeJson(text));
      throw parsed.success
        ? new EnrollmentRefusedError(parsed.data.error.code, response.status, parsed.data.error.message)
        : new EnrollmentRefusedError('server_error', response.status, `${path} answered ${response.status}`);
    }
    return schema.parse(JSON.parse(text));
  }

  async function accessToken(): Promise<string> {
    if (cached && cached.expiresAt - Date.now() > REFRESH_MARGIN_MS) return cached.token;
    if (!credentials) throw new EnrollmentRefusedError('token_expired', 401, 'the access token given with --token expired; start the gateway with the machine identity\'s clientId:clientSecret instead.');
    const answer = await call('/api/v1/auth/machine-identity/login', credentials, zLoginAnswer);
    cached = { token: answer.accessToken, expiresAt: Date.parse(answer.accessTokenExpiresAt) };
    return cached.token;
  }

  return {
    serverUrl: base,
    accessToken,
    enroll: async (mode, body) => call(`/api/v1/gateways/${mode}`, body, zEnrollmentAnswer, await accessToken()),
    reportPresence: async (report) => {
      await call('/api/v1/gateways/presence', report, z.unknown(), await accessToken());
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

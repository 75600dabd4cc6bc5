import type { z } from 'zod';
import { errorFromBody, type PosternError } from '@postern/shared/errors';
import { zLoginResponse, zTokenPair, type LoginResponse, type TokenPair } from '../common/api-types.ts';
import { InvalidServerUrlError, UnexpectedResponseError, RequestTimeoutError, ServerUnreachableError, SignInExpiredError, NotSignedInError } from './errors.ts';

/**
 * The HTTP client of the Postern API. Every call has a timeout; an error answer becomes the typed
 * error the server threw (errorFromBody); an access token that expired is refreshed once, with
 * one refresh shared by every call that saw it expire, and the call is retried.
 */

export interface Tokens {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenExpiresAt: string;
}

export interface ApiClientOptions {
  serverUrl: string;
  tokens?: Tokens | null;
  /** Called after a refresh (new tokens) and when the sign-in is lost (null), so they can be saved. */
  onTokens?: (tokens: Tokens | null) => void | Promise<void>;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export type Query = Record<string, string | undefined>;

interface RequestOptions<T> {
  query?: Query;
  body?: unknown;
  schema?: z.ZodType<T>;
  /** Send no Authorization header (sign-in and refresh). */
  anonymous?: boolean;
  /** The answer is text (a script, a key line), not JSON. */
  text?: boolean;
  /** This call's own bound, where the client's default is too long (ending a session on exit). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/** Accepts "postern.example.com" or "https://postern.example.com/"; returns the origin with its path. */
export function normalizeServerUrl(value: string): string {
  const trimmed = value.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new InvalidServerUrlError(value);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !url.hostname) throw new InvalidServerUrlError(value);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export class ApiClient {
  readonly serverUrl: string;
  private tokens: Tokens | null;
  private refreshing: Promise<void> | undefined;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly onTokens: ApiClientOptions['onTokens'];

  constructor(options: ApiClientOptions) {
    this.serverUrl = normalizeServerUrl(options.serverUrl);
    this.tokens = options.tokens ?? null;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetchImpl = options.fetch ?? fetch;
    this.onTokens = options.onTokens;
  }

  get currentTokens(): Tokens | null {
    return this.tokens;
  }

  async login(email: string, password: string): Promise<LoginResponse> {
    const result = await this.request('POST', '/api/v1/auth/login', { body: { email, password }, schema: zLoginResponse, anonymous: true });
    await this.setTokens(result);
    return result;
  }

  /** Revokes this sign-in on the server; the local tokens are dropped even if the server cannot be told. */
  async logout(): Promise<void> {
    try {
      if (this.tokens) await this.request('POST', '/api/v1/auth/logout');
    } finally {
      await this.setTokens(null);
    }
  }

  async request<T = unknown>(method: string, path: string, options: RequestOptions<T> = {}): Promise<T> {
    const first = await this.send(method, path, options);
    const what = `${method} ${path}`;
    // An expired access token is refreshed; so is a revoked one, whose refresh then fails too and
    // ends the sign-in (SignInExpiredError, tokens cleared) instead of failing every later call.
    const renewable = !first.ok && (first.error.code === 'token_expired' || first.error.code === 'unauthenticated');
    if (first.ok || options.anonymous || !renewable) return this.unwrap(first, options.schema, what);
    await this.refresh();
    return this.unwrap(await this.send(method, path, options), options.schema, what);
  }

  /** One refresh at a time: concurrent calls that saw token_expired wait for the same one. */
  async refresh(): Promise<void> {
    this.refreshing ??= this.refreshOnce().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async refreshOnce(): Promise<void> {
    const refreshToken = this.tokens?.refreshToken;
    if (!refreshToken) throw new NotSignedInError();
    const answer = await this.send('POST', '/api/v1/auth/refresh', { body: { refreshToken }, anonymous: true });
    if (!answer.ok) {
      if (answer.error.status === 401) {
        await this.setTokens(null);
        throw new SignInExpiredError();
      }
      throw answer.error;
    }
    await this.setTokens(zTokenPair.parse(answer.body));
  }

  private async setTokens(pair: TokenPair | Tokens | null): Promise<void> {
    this.tokens = pair && {
      accessToken: pair.accessToken, accessTokenExpiresAt: pair.accessTokenExpiresAt,
      refreshToken: pair.refreshToken, refreshTokenExpiresAt: pair.refreshTokenExpiresAt,
    };
    await this.onTokens?.(this.tokens);
  }

  private unwrap<T>(answer: Answer, schema: z.ZodType<T> | undefined, what: string): T {
    if (!answer.ok) throw answer.error;
    if (!schema) return answer.body as T;
    const parsed = schema.safeParse(answer.body);
    if (parsed.success) return parsed.data;
    throw new UnexpectedResponseError(this.serverUrl, what);
  }

  private url(path: string, query: Query | undefined): string {
    const url = new URL(`${this.serverUrl}${path}`);
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined && value !== '') url.searchParams.set(key, value);
    return url.toString();
  }

  private async send(method: string, path: string, options: RequestOptions<unknown>): Promise<Answer> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (!options.anonymous) {
      if (!this.tokens) throw new NotSignedInError();
      headers.authorization = `Bearer ${this.tokens.accessToken}`;
    }
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    let response: Response;
    try {
      response = await this.fetchImpl(this.url(path, options.query), {
        method, headers, signal: AbortSignal.timeout(timeoutMs),
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      });
    } catch (error) {
      throw this.transportError(error, timeoutMs);
    }
    return readAnswer(response, this.serverUrl, timeoutMs, options.text ?? false);
  }

  private transportError(error: unknown, timeoutMs: number): PosternError {
    const name = (error as Error | undefined)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') return new RequestTimeoutError(this.serverUrl, timeoutMs);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return new ServerUnreachableError(this.serverUrl, cause?.code ?? cause?.message ?? (error as Error).message);
  }
}

type Answer = { ok: true; body: unknown } | { ok: false; error: PosternError };

async function readAnswer(response: Response, serverUrl: string, timeoutMs: number, asText: boolean): Promise<Answer> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') return { ok: false, error: new RequestTimeoutError(serverUrl, timeoutMs) };
    return { ok: false, error: new ServerUnreachableError(serverUrl, (error as Error).message) };
  }
  if (asText && response.ok) return { ok: true, body: text };
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  if (response.ok) return { ok: true, body };
  return { ok: false, error: errorFromBody(response.status, body) };
}

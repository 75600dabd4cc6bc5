import type { Me } from '../common/api-types.ts';
import type { SessionView } from '../common/bridge.ts';
import { ApiClient, normalizeServerUrl, type Tokens } from './api-client.ts';
import type { CredentialsStore, StoredCredentials } from './credentials-store.ts';
import { NotSignedInError } from './errors.ts';
import { pamApi } from './pam-api.ts';

/**
 * The signed-in user of this machine: one saved sign-in (server URL + tokens) shared by the CLI
 * and the app, and the API client built from it. Refreshed tokens are saved as they arrive, so a
 * `postern` command run after the app keeps working, and a lost sign-in clears the file.
 */

export interface DesktopSessionOptions {
  store: CredentialsStore;
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Told whenever the sign-in starts or ends (the app's UI listens). */
  onChange?: (signedIn: boolean) => void;
}

export class DesktopSession {
  private client: ApiClient | undefined;
  private saved: StoredCredentials | null | undefined;

  constructor(private readonly options: DesktopSessionOptions) {}

  async signIn(input: { serverUrl: string; email: string; password: string }): Promise<SessionView> {
    const serverUrl = normalizeServerUrl(input.serverUrl);
    const client = this.newClient(serverUrl, null);
    const login = await client.login(input.email, input.password);
    this.saved = { serverUrl, ...toTokens(login), user: login.user };
    await this.options.store.save(this.saved);
    this.client = client;
    this.options.onChange?.(true);
    return this.describe(await pamApi.me(client));
  }

  async signOut(): Promise<void> {
    const client = await this.existingClient();
    if (client) {
      // The server may be gone or the token already dead; signing out locally must still work.
      await client.logout().catch(() => undefined);
    }
    await this.forget();
  }

  /** The saved sign-in, without calling the server. */
  async savedSignIn(): Promise<StoredCredentials | null> {
    this.saved ??= await this.options.store.load();
    return this.saved;
  }

  /** The API client of the saved sign-in; throws NotSignedInError when there is none. */
  async api(): Promise<ApiClient> {
    const client = await this.existingClient();
    if (!client) throw new NotSignedInError();
    return client;
  }

  /** Who is signed in, asked of the server; null when nobody is. */
  async current(): Promise<SessionView | null> {
    const client = await this.existingClient();
    if (!client) return null;
    return this.describe(await pamApi.me(client));
  }

  private describe(me: Me): SessionView {
    if (me.kind !== 'user') throw new NotSignedInError('This sign-in belongs to a machine identity; sign in as a person.');
    const serverUrl = this.client?.serverUrl ?? '';
    return { serverUrl, user: { id: me.id, email: me.email, displayName: me.displayName }, orgs: me.orgs, projects: me.projects };
  }

  private async existingClient(): Promise<ApiClient | undefined> {
    if (this.client) return this.client;
    const saved = await this.savedSignIn();
    if (!saved) return undefined;
    this.client = this.newClient(saved.serverUrl, saved);
    return this.client;
  }

  private newClient(serverUrl: string, tokens: Tokens | null): ApiClient {
    return new ApiClient({
      serverUrl, tokens,
      ...(this.options.timeoutMs !== undefined ? { timeoutMs: this.options.timeoutMs } : {}),
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
      onTokens: (next) => this.tokensChanged(next),
    });
  }

  private async tokensChanged(next: Tokens | null): Promise<void> {
    if (!this.saved) return; // during sign-in: saved by signIn once the user is known
    if (next) {
      this.saved = { ...this.saved, ...next };
      await this.options.store.save(this.saved);
    } else {
      await this.forget();
    }
  }

  private async forget(): Promise<void> {
    const wasSignedIn = Boolean(this.saved);
    this.saved = null;
    this.client = undefined;
    await this.options.store.clear();
    if (wasSignedIn) this.options.onChange?.(false);
  }
}

function toTokens(pair: Tokens): Tokens {
  return {
    accessToken: pair.accessToken, accessTokenExpiresAt: pair.accessTokenExpiresAt,
    refreshToken: pair.refreshToken, refreshTokenExpiresAt: pair.refreshTokenExpiresAt,
  };
}

import type { Command } from 'commander';
import { normalizeServerUrl } from '../../core/api-client.ts';
import { pamApi } from '../../core/pam-api.ts';
import { print, type CliContext } from '../context.ts';
import { readLine, readSecret } from '../prompt.ts';

/** `postern login`, `postern logout`, `postern whoami`. */
export function registerAuthCommands(program: Command, context: CliContext): void {
  program
    .command('login')
    .description('Sign in to a Postern server and keep the sign-in for later commands and the app')
    .option('--domain <url>', 'the Postern server, e.g. https://postern.example.com (or POSTERN_DOMAIN)')
    .option('--email <email>', 'your email (or POSTERN_EMAIL; asked when missing)')
    .action(async (options: { domain?: string; email?: string }) => {
      const saved = await context.session.savedSignIn().catch(() => null);
      const domain = options.domain ?? context.env.POSTERN_DOMAIN ?? saved?.serverUrl;
      if (!domain) throw new UsageError('Name the server to sign in to: postern login --domain https://postern.example.com');
      const serverUrl = normalizeServerUrl(domain);
      const email = options.email ?? context.env.POSTERN_EMAIL ?? (await readLine('Email: ', context.terminal)).trim();
      const password = context.env.POSTERN_PASSWORD ?? (await readSecret('Password: ', context.terminal));
      const signedIn = await context.session.signIn({ serverUrl, email, password });
      print(context, `Signed in to ${signedIn.serverUrl} as ${signedIn.user.email}.`);
    });

  program
    .command('logout')
    .description('Sign out: revoke this sign-in on the server and forget it here')
    .action(async () => {
      const saved = await context.session.savedSignIn().catch(() => null);
      await context.session.signOut();
      print(context, saved ? `Signed out of ${saved.serverUrl}.` : 'You were not signed in.');
    });

  registerTokenCommand(program, context);

  program
    .command('whoami')
    .description('Show who is signed in, where, and to which orgs and projects')
    .action(async () => {
      const current = await context.session.current();
      if (!current) throw new UsageError('You are not signed in. Run: postern login --domain <server URL>');
      print(context, `${current.user.email} on ${current.serverUrl}`);
      const api = await context.session.api();
      const grants = new Map(current.projects.map((project) => [project.id, project.role]));
      for (const org of current.orgs) {
        print(context, `  org      ${org.name} (${org.role})  ${org.id}`);
        // Org owners and admins see every project, member or not: list what the server shows.
        for (const project of await pamApi.listProjects(api, org.id)) {
          print(context, `  project  ${project.name} (${grants.get(project.id) ?? `org ${org.role}`})  ${project.id}`);
        }
      }
    });
}

export function registerTokenCommand(program: Command, context: CliContext): void {
  program
    .command('token')
    .description('Print a valid access token of your sign-in, for scripts: POSTERN_TOKEN=$(postern token)')
    .action(async () => {
      const api = await context.session.api();
      await pamApi.me(api); // refreshes the access token first if it has expired
      print(context, api.currentTokens?.accessToken ?? '');
    });
}

/** A mistake in how the command was used: the message alone is shown. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

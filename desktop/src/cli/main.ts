import { homedir } from 'node:os';
import { CredentialsStore, posternConfigDir } from '../core/credentials-store.ts';
import { DesktopSession } from '../core/session.ts';
import { readCliEnv } from './env.ts';
import { nodeHttpFetch } from './http-fetch.ts';
import { runCli } from './program.ts';
import { cliOrigin, CommandTimings } from './timings.ts';

/** The `postern` command's composition root: environment, credentials store, session, terminal. */
const env = readCliEnv(process.env);
const timings = env.POSTERN_TIMINGS === '1' ? new CommandTimings() : undefined;
timings?.mark('modules');
const store = new CredentialsStore(posternConfigDir({ env, platform: process.platform, homeDir: homedir() }));
const session = new DesktopSession({ store, fetch: nodeHttpFetch });
const terminal = { input: process.stdin, output: process.stdout, error: process.stderr };
process.exitCode = await runCli({ session, env, terminal, ...(timings ? { timings } : {}) }, process.argv.slice(2));
if (timings) process.stderr.write(timings.summary(cliOrigin(import.meta.url)));

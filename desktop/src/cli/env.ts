import { z } from 'zod';

/** The environment the `postern` command reads, once, at start (nothing else reads process.env). */
const zCliEnv = z.object({
  XDG_CONFIG_HOME: z.string().optional(),
  APPDATA: z.string().optional(),
  /** For scripts: the password `postern login` uses instead of prompting. */
  POSTERN_PASSWORD: z.string().min(1).optional(),
  /** The server `postern login` signs in to when --domain is not given. */
  POSTERN_DOMAIN: z.string().min(1).optional(),
  POSTERN_EMAIL: z.string().min(1).optional(),
  /** The user's kubeconfig list, for `postern pam kubernetes access --merge` (the first file is the one written). */
  KUBECONFIG: z.string().optional(),
  /** "1": print where the command's time went to stderr when it ends (see timings.ts). */
  POSTERN_TIMINGS: z.string().optional(),
});
export type CliEnv = z.infer<typeof zCliEnv>;

export function readCliEnv(env: Record<string, string | undefined>): CliEnv {
  const emptyAsMissing = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  return zCliEnv.parse(emptyAsMissing);
}

import { z } from 'zod';
import { zDescription, zId, zName } from './names.ts';

// POSIX-ish login names as sshd accepts them; kept strict so they never need quoting.
const zUsername = z
  .string()
  .trim()
  .min(1, 'Give the login name on the target.')
  .max(64, 'Login names are at most 64 characters.')
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.@-]*\$?$/, 'Login names use letters, digits, "_", ".", "-" and "@".');

const zSecretText = (what: string, max: number) =>
  z
    .string()
    .min(1, `Give the ${what}.`)
    .max(max, `The ${what} is at most ${max} characters.`)
    .meta({ description: `Write-only: stored encrypted, never returned.`, writeOnly: true });

export const zCredentialInput = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('ssh-password'), username: zUsername, password: zSecretText('password', 1024) }).strict(),
    z
      .object({
        type: z.literal('ssh-key'),
        username: zUsername,
        privateKey: zSecretText('private key', 16384).regex(/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'Paste the private key in OpenSSH format (-----BEGIN OPENSSH PRIVATE KEY-----).'),
        passphrase: zSecretText('passphrase', 1024).optional(),
      })
      .strict(),
    z.object({ type: z.literal('ssh-certificate'), username: zUsername }).strict(),
    z.object({ type: z.literal('kubernetes-token'), token: zSecretText('service-account token', 16384).regex(/^[\x21-\x7e]+$/, 'A token is one line of printable characters.') }).strict(),
  ])
  .meta({ id: 'CredentialInput' });

export const zAccountType = z.enum(['ssh-password', 'ssh-key', 'ssh-certificate', 'kubernetes-token']);

export const zCreateAccount = z
  .object({ resourceId: zId, name: zName, description: zDescription.optional(), credential: zCredentialInput })
  .strict()
  .meta({ id: 'CreateAccount' });

export const zUpdateAccount = z
  .object({
    name: zName.optional(),
    description: zDescription.optional(),
    credential: zCredentialInput.optional().meta({ description: 'Omit to keep the stored credential unchanged.' }),
  })
  .strict()
  .meta({ id: 'UpdateAccount' });

export const zAccount = z
  .object({
    id: zId,
    orgId: zId,
    projectId: zId,
    resourceId: zId,
    name: z.string(),
    description: z.string(),
    type: zAccountType,
    username: z.string().nullable(),
    hasSecret: z.boolean().meta({ description: 'Whether a secret is stored. The secret itself is never returned.' }),
    publicKey: z.string().nullable().meta({ description: 'For ssh-key accounts: the public half of the stored key, to install on the target.' }),
    publicKeyFingerprint: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Account' });

export const RESOURCE_TYPE_OF_ACCOUNT = {
  'ssh-password': 'ssh',
  'ssh-key': 'ssh',
  'ssh-certificate': 'ssh',
  'kubernetes-token': 'kubernetes',
} as const satisfies Record<z.infer<typeof zAccountType>, 'ssh' | 'kubernetes'>;

export type CredentialInput = z.infer<typeof zCredentialInput>;
export type CreateAccount = z.infer<typeof zCreateAccount>;
export type UpdateAccount = z.infer<typeof zUpdateAccount>;
export type Account = z.infer<typeof zAccount>;
export type AccountType = z.infer<typeof zAccountType>;

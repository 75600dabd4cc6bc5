import { z } from 'zod';

/**
 * The server's whole configuration, read once from the environment at start and passed down.
 * Nothing else in the server reads `process.env`: tests build a config with `loadConfig({...})`.
 */

const port = z.coerce.number().int().min(0).max(65_535);
const positiveSeconds = z.coerce.number().int().positive();

const rootKey = z
  .string()
  .refine((value) => /^[A-Za-z0-9+/]{43}=$/.test(value) && Buffer.from(value, 'base64').length === 32, {
    message: 'must be 32 random bytes in base64 (make one with: openssl rand -base64 32)',
  });

const postgresUrl = z
  .string()
  .refine((value) => /^postgres(ql)?:\/\/.+/.test(value), { message: 'must be a postgres://user:password@host:port/database URL' });

const hostPort = z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, { message: 'must be host:port (an IPv6 host in brackets)' });

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(emptyAsUndefined, schema.optional());

export const zEnv = z.object({
  POSTERN_HOST: z.string().min(1).default('127.0.0.1'),
  POSTERN_PORT: port.default(8080),
  POSTERN_DATA_DIR: z.string().min(1).default('./.postern'),
  DATABASE_URL: optional(postgresUrl),
  POSTERN_ROOT_KEY: optional(rootKey),
  POSTERN_PUBLIC_URL: optional(z.url()),
  POSTERN_ADMIN_EMAIL: optional(z.email()),
  POSTERN_ADMIN_PASSWORD: optional(z.string().min(12, 'must be at least 12 characters')),
  POSTERN_ORG_NAME: z.string().min(1).max(100).default('Default Org'),
  POSTERN_PROJECT_NAME: z.string().min(1).max(100).default('Default Project'),
  POSTERN_ACCESS_TOKEN_TTL_SECONDS: positiveSeconds.default(15 * 60),
  POSTERN_REFRESH_TOKEN_TTL_SECONDS: positiveSeconds.default(30 * 24 * 60 * 60),
  POSTERN_MAX_BODY_BYTES: z.coerce.number().int().positive().default(1024 * 1024),
  /** Shared secret a managed (instance) relay enrolls with; unset: instance relays cannot enroll. */
  POSTERN_RELAY_ENROLLMENT_TOKEN: optional(z.string().min(32, 'must be at least 32 characters (make one with: openssl rand -base64 32)').max(512)),
  /** Where clients reach the managed relay's TLS listener, and gateways its SSH listener (host:port). */
  POSTERN_RELAY_CLIENT_ADDRESS: hostPort.default('127.0.0.1:8443'),
  POSTERN_RELAY_GATEWAY_SSH_ADDRESS: hostPort.default('127.0.0.1:8022'),
  POSTERN_GATEWAY_CERT_TTL_SECONDS: positiveSeconds.default(24 * 60 * 60),
  POSTERN_RELAY_CERT_TTL_SECONDS: positiveSeconds.default(24 * 60 * 60),
  POSTERN_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Set by the `npm start` launcher: where the server writes the local gateway's machine credentials (0600). */
  POSTERN_LOCAL_GATEWAY_CREDENTIALS: optional(z.string().min(1)),
  /** A gateway counts as healthy for session routing while its last "connected" report is younger than this. */
  POSTERN_GATEWAY_PRESENCE_TTL_SECONDS: positiveSeconds.default(30),
});

export type Env = z.infer<typeof zEnv>;

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** Absent: the embedded PGlite database in `<dataDir>/db`. */
  databaseUrl: string | undefined;
  /** Base64 of 32 bytes; absent: the vault generates one into the data folder on first start. */
  rootKey: string | undefined;
  /** Where users and gateways reach this server; defaults to http://host:port. */
  publicUrl: string;
  bootstrap: {
    adminEmail: string | undefined;
    adminPassword: string | undefined;
    orgName: string;
    projectName: string;
  };
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  maxBodyBytes: number;
  pki: {
    relayEnrollmentToken: string | undefined;
    /** Defaults for a managed relay that does not state its own addresses. */
    relayClientAddress: string;
    relayGatewaySshAddress: string;
    gatewayCertTtlSeconds: number;
    relayCertTtlSeconds: number;
  };
  logLevel: Env['POSTERN_LOG_LEVEL'];
  /** When set, the server makes sure a local gateway and its machine identity exist (services/platform/local-gateway.ts). */
  localGatewayCredentialsFile: string | undefined;
  gatewayPresenceTtlSeconds: number;
}

export class ConfigError extends Error {
  constructor(readonly variables: string[], message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Validates an environment (normally `process.env`, passed in by main.ts) into a Config. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = zEnv.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '?'), message: issue.message }));
    const text = problems.map((p) => `${p.variable}: ${p.message}`).join('; ');
    throw new ConfigError(problems.map((p) => p.variable), `Invalid configuration: ${text}`);
  }
  const e = parsed.data;
  const publicHost = e.POSTERN_HOST === '0.0.0.0' || e.POSTERN_HOST === '::' ? '127.0.0.1' : e.POSTERN_HOST;
  return {
    host: e.POSTERN_HOST,
    port: e.POSTERN_PORT,
    dataDir: e.POSTERN_DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    rootKey: e.POSTERN_ROOT_KEY,
    publicUrl: (e.POSTERN_PUBLIC_URL ?? `http://${publicHost.includes(':') ? `[${publicHost}]` : publicHost}:${e.POSTERN_PORT}`).replace(/\/+$/, ''),
    bootstrap: {
      adminEmail: e.POSTERN_ADMIN_EMAIL,
      adminPassword: e.POSTERN_ADMIN_PASSWORD,
      orgName: e.POSTERN_ORG_NAME,
      projectName: e.POSTERN_PROJECT_NAME,
    },
    accessTokenTtlSeconds: e.POSTERN_ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: e.POSTERN_REFRESH_TOKEN_TTL_SECONDS,
    maxBodyBytes: e.POSTERN_MAX_BODY_BYTES,
    pki: {
      relayEnrollmentToken: e.POSTERN_RELAY_ENROLLMENT_TOKEN,
      relayClientAddress: e.POSTERN_RELAY_CLIENT_ADDRESS,
      relayGatewaySshAddress: e.POSTERN_RELAY_GATEWAY_SSH_ADDRESS,
      gatewayCertTtlSeconds: e.POSTERN_GATEWAY_CERT_TTL_SECONDS,
      relayCertTtlSeconds: e.POSTERN_RELAY_CERT_TTL_SECONDS,
    },
    logLevel: e.POSTERN_LOG_LEVEL,
    localGatewayCredentialsFile: e.POSTERN_LOCAL_GATEWAY_CREDENTIALS,
    gatewayPresenceTtlSeconds: e.POSTERN_GATEWAY_PRESENCE_TTL_SECONDS,
  };
}

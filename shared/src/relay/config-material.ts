/**
 * Keys, certificates and CAs in the relay's and gateway's config are given inline (`NAME`) or
 * as a path (`NAME_FILE`). The caller passes its file reader (shared/ touches no filesystem).
 */
import { ValidationError } from '../errors.ts';

export type EnvSource = Record<string, string | undefined>;

/** `NAME` inline, or the contents of the file `NAME_FILE` names; exactly one of them. */
export function readConfigMaterial(env: EnvSource, name: string, readFile: (path: string) => string, component: string): string {
  const inline = env[name];
  const path = env[`${name}_FILE`];
  if (inline && path) throw new ValidationError(`${component} configuration: set ${name} or ${name}_FILE, not both.`, { variable: name });
  if (inline) return inline;
  if (!path) throw new ValidationError(`${component} configuration: ${name} (or ${name}_FILE, a path) is required.`, { variable: name });
  try {
    return readFile(path);
  } catch (error) {
    throw new ValidationError(`${component} configuration: ${name}_FILE names ${path}, which cannot be read (${(error as Error).message}).`, { variable: `${name}_FILE` });
  }
}

/** The first zod issue as a start-up error naming the variable. */
export function configIssue(component: string, issue: { path: PropertyKey[]; message: string } | undefined): ValidationError {
  const variable = String(issue?.path[0] ?? 'environment');
  const problem = issue?.message.includes('received undefined') ? 'is required' : issue?.message ?? 'is invalid';
  return new ValidationError(`${component} configuration: ${variable} ${problem}.`, { variable });
}

/** `host:port` (an IPv6 host in brackets) split into its parts. */
export function splitHostPort(value: string): { host: string; port: number } {
  const at = value.lastIndexOf(':');
  return { host: value.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(value.slice(at + 1)) };
}

export const HOST_PORT_PATTERN = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;

/** The certificates of a PEM bundle, one PEM each (a CA list during a rotation). */
export function splitPemBundle(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

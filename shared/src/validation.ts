import type { z } from 'zod';
import { ValidationError } from './errors.ts';

/**
 * Zod issues named the way the API names them (`credential.password`, `tls.caCertificate`,
 * `a[0]`), so a client shows a locally found error and one the server reported beside the same
 * field. The server's `http/errors.ts` builds the same ValidationError and can import this.
 */

export function issuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), '');
}

/** The same ValidationError the server builds for a body that fails its schema. */
export function validationErrorFrom(target: string, error: z.ZodError): ValidationError {
  const issues = error.issues.map((issue) => ({ path: issuePath(issue.path), message: issue.message, code: issue.code }));
  const fields = [...new Set(issues.map((issue) => issue.path || '(root)'))];
  return new ValidationError(`The request ${target} is invalid: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}.`, {
    location: target, fields, issues,
  });
}

import type { z } from 'zod';
import { PosternError } from '@postern/shared/errors';
import { issuePath } from '@postern/shared/validation';

/** Error text per field path (`port`, `credential.password`); `''` holds errors of no one field. */
export type FieldErrors = Record<string, string>;

/** Validates with the API's own schema, so the form shows the message the API would send. */
export function validateWith<T>(schema: z.ZodType<T>, value: unknown): { ok: true; value: T } | { ok: false; errors: FieldErrors } {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const errors: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const path = issuePath(issue.path);
    errors[path] ??= issue.message;
  }
  return { ok: false, errors };
}

/**
 * The field errors in a failure from the bridge: validation_failed carries `details.issues`
 * ({path, message}); a bridge call wraps the body under `changes.` for updates, which is dropped
 * so the error lands beside the same field. Anything else is a form-level error.
 */
export function fieldErrorsFrom(error: unknown): FieldErrors {
  if (!(error instanceof PosternError)) return { '': error instanceof Error ? error.message : String(error) };
  const issues = error.details?.issues;
  if (error.code === 'validation_failed' && Array.isArray(issues) && issues.length > 0) {
    const errors: FieldErrors = {};
    for (const issue of issues as Array<{ path?: unknown; message?: unknown }>) {
      const path = typeof issue.path === 'string' ? issue.path.replace(/^changes\.?/, '') : '';
      errors[path] ??= typeof issue.message === 'string' ? issue.message : error.message;
    }
    return errors;
  }
  const field = typeof error.details?.field === 'string' ? error.details.field : '';
  return { [field]: error.message };
}

/** The errors left once the user edits the field at `path`: its own message goes, the others stay. */
export function withoutField(errors: FieldErrors, path: string): FieldErrors {
  if (!(path in errors)) return errors;
  const { [path]: _removed, ...rest } = errors;
  return rest;
}

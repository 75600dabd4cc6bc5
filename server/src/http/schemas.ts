import { z } from '@hono/zod-openapi';
import { isDisplaySafe } from '@postern/shared/schemas/names';
import { ORG_ROLES, PROJECT_ROLES } from '../db/schema/index.ts';
import { MIN_PASSWORD_LENGTH } from '../services/passwords.ts';

/**
 * Field schemas shared by the identity routes, so every route validates names, emails and
 * passwords the same way.
 */

// Any script is welcome in a name; control characters (newlines, NUL, bidi overrides) are not,
// since names end up in logs, terminals and audit exports. The rule is shared with PAM names.
export const NameSchema = z.string().trim().min(1).max(100)
  .refine(isDisplaySafe, { message: 'must not contain control or bidirectional-override characters' })
  .openapi({ example: 'Production' });

export const EmailSchema = z.string().trim().max(254).pipe(z.email()).transform((value) => value.toLowerCase())
  .openapi({ example: 'alice@example.com' });

export const PasswordSchema = z.string().min(MIN_PASSWORD_LENGTH).max(1024)
  .openapi({ description: `At least ${MIN_PASSWORD_LENGTH} characters`, format: 'password' });

export const OrgRoleSchema = z.enum(ORG_ROLES).openapi('OrgRole');
export const ProjectRoleSchema = z.enum(PROJECT_ROLES).openapi('ProjectRole');

export const Timestamp = z.iso.datetime().openapi({ example: '2026-01-01T12:00:00.000Z' });

export const OrgIdParams = z.object({ orgId: z.uuid().openapi({ param: { name: 'orgId', in: 'path' } }) });
export const ProjectIdParams = z.object({ projectId: z.uuid().openapi({ param: { name: 'projectId', in: 'path' } }) });

export { z };

export const iso = (date: Date) => date.toISOString();

/** 204 responses carry no body; declared once so every delete route documents it the same way. */
export const noContent = { description: 'Done' } as const;

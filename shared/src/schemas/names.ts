import { z } from 'zod';

// Control characters in a name break terminals, logs and kubeconfig files; everything else,
// including any Unicode letter and SQL-looking text, is a valid name and stored as given.
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export const zName = z
  .string()
  .trim()
  .min(1, 'Give it a name.')
  .max(64, 'Names are at most 64 characters.')
  .refine((s) => !CONTROL_CHARS.test(s), 'Names cannot contain control characters or line breaks.')
  .meta({ description: 'Display name, unique in its scope. 1-64 characters, no control characters.', example: 'prod-db-1' });

export const zDescription = z
  .string()
  .max(500, 'Descriptions are at most 500 characters.')
  .meta({ description: 'Free text shown to users.' });

export const zId = z.uuid('Ids are UUIDs.').meta({ example: '0b1c5a52-3f0e-4c5e-9d0a-6f2f6f1e9a10' });

import { z } from 'zod';

// Control characters and bidirectional overrides in a name break or disguise terminals, logs,
// audit exports and kubeconfig files; everything else, including any Unicode letter and
// SQL-looking text, is a valid name and stored as given.
const CONTROL_OR_BIDI = /[\p{Cc}\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/** True when a name holds no control, line-separator or bidirectional-override character. */
export const isDisplaySafe = (text: string): boolean => !CONTROL_OR_BIDI.test(text);

export const zName = z
  .string()
  .trim()
  .min(1, 'Give it a name.')
  .max(64, 'Names are at most 64 characters.')
  .refine(isDisplaySafe, 'Names cannot contain control characters, line breaks or bidirectional overrides.')
  .meta({ description: 'Display name, unique in its scope. 1-64 characters, no control characters.', example: 'prod-db-1' });

export const zDescription = z
  .string()
  .max(500, 'Descriptions are at most 500 characters.')
  .meta({ description: 'Free text shown to users.' });

export const zId = z.uuid('Ids are UUIDs.').meta({ example: '0b1c5a52-3f0e-4c5e-9d0a-6f2f6f1e9a10' });

// Every table the server owns. drizzle-kit reads this file to generate migrations; each area adds
// one export line for its own schema file.
export * from './identity.ts';
export * from './audit.ts';
export * from './pam.ts';
export * from './pki.ts';
export * from './recordings.ts';
export * from './platform.ts';

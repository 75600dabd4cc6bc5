/** X.509 certificates for Postern's relay and gateway CAs: `import { … } from '@postern/shared/pki/index'`. */
export * from './ca.ts';
export * from './certificate-builder.ts';
export * from './csr.ts';
export * from './issue.ts';
export * from './keys.ts';
export * from './oids.ts';
export * from './peer-identity.ts';
export * from './pem.ts';
export * from './postern-extension.ts';
export * from './read-certificate.ts';
export * from './verify.ts';

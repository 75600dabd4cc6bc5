/** Reads an SSH private key given as text: OpenSSH (`openssh-key-v1`) or PKCS#8 PEM. */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { SshKeyError } from '../errors.ts';
import { parseOpenSshPrivateKey } from '../ssh/private-key.ts';

export function readSshPrivateKey(text: string): KeyObject {
  if (text.includes('OPENSSH PRIVATE KEY')) return parseOpenSshPrivateKey(text).privateKey;
  try {
    return createPrivateKey(text);
  } catch (error) {
    throw new SshKeyError(`The SSH private key is neither OpenSSH nor PKCS#8 PEM (${(error as Error).message}).`);
  }
}

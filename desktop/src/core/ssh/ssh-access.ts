/** SSH access: a session on an SSH resource whose streams speak `postern-ssh` (see ../session-access.ts). */
import type { Duplex } from 'node:stream';
import type { ApiClient } from '../api-client.ts';
import type { OnConnectStep } from '../connect-steps.ts';
import { openSessionAccess, type AccessRequest, type SessionAccess } from '../session-access.ts';

export type SshAccessRequest = AccessRequest;
/** The SSH bridge needs only a byte stream, so tests may hand it any Duplex. */
export type SshAccess = Omit<SessionAccess, 'dial' | 'end'> & { dial(onStep?: OnConnectStep): Promise<Duplex>; end?: SessionAccess['end'] };

export function openSshAccess(api: ApiClient, request: SshAccessRequest, onStep?: OnConnectStep): Promise<SshAccess> {
  return openSessionAccess(api, request, 'ssh', onStep);
}

import { PosternError } from '@postern/shared/errors';

/**
 * Errors that only a client meets (no server answered, or the client holds no sign-in). They
 * extend PosternError so the CLI and the UI show every failure the same way: its message says
 * what to do.
 */

export class ServerUnreachableError extends PosternError {
  constructor(serverUrl: string, cause: string) {
    super('server_unreachable', 0, `Cannot reach the Postern server at ${serverUrl} (${cause}). Check the URL and that the server is running.`, { serverUrl, cause });
  }
}

export class RequestTimeoutError extends PosternError {
  constructor(serverUrl: string, timeoutMs: number) {
    super('request_timeout', 0, `The Postern server at ${serverUrl} did not answer within ${timeoutMs} ms. Check the network, or try again.`, { serverUrl, timeoutMs });
  }
}

export class NotSignedInError extends PosternError {
  constructor(message = 'You are not signed in. Sign in first (postern login, or the sign-in screen of the app).') {
    super('not_signed_in', 401, message);
  }
}

export class SignInExpiredError extends PosternError {
  constructor() {
    super('sign_in_expired', 401, 'Your sign-in has expired or was revoked. Sign in again (postern login, or the sign-in screen of the app).');
  }
}

export class CredentialsFileError extends PosternError {
  constructor(file: string, problem: string) {
    super('credentials_file_invalid', 0, `The saved sign-in at ${file} cannot be read (${problem}). Sign in again to replace it.`, { file });
  }
}

export class InvalidServerUrlError extends PosternError {
  constructor(value: string) {
    super('invalid_server_url', 400, `"${value}" is not a server URL. Give the address of the Postern server, such as https://postern.example.com.`, { value });
  }
}

export class UnexpectedResponseError extends PosternError {
  constructor(serverUrl: string, request: string) {
    super('unexpected_response', 502, `The server at ${serverUrl} answered ${request} with something this app does not understand. The server and the app may be different versions: update the one that is older.`, { request });
  }
}

export class LocalShellUnavailableError extends PosternError {
  constructor(cause: string) {
    super('local_shell_unavailable', 500, `The local terminal cannot start: node-pty could not be loaded (${cause}). Reinstall the app; from source, run npm install so node-pty is built.`, { cause });
  }
}

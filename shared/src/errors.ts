/**
 * Typed errors shared by every package. Each carries a stable machine-readable `code`, the HTTP
 * status the API answers with, and a message that tells the user how to fix the problem.
 * The server turns them into `{"error":{"code","message","details"}}`; clients turn that shape
 * back into the same classes with `errorFromBody`.
 */
export type ErrorDetails = Record<string, unknown>;

export class PosternError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: ErrorDetails | undefined;

  constructor(code: string, status: number, message: string, details?: ErrorDetails) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.details = details;
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details ? { details: this.details } : {}),
      },
    };
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details?: ErrorDetails };
}

export class ValidationError extends PosternError {
  constructor(message: string, details?: ErrorDetails) {
    super('validation_failed', 400, message, details);
  }
}

export class MalformedRequestError extends PosternError {
  constructor(message: string, details?: ErrorDetails) {
    super('malformed_request', 400, message, details);
  }
}

export class UnauthenticatedError extends PosternError {
  constructor(message = 'Sign in first: send "Authorization: Bearer <access token>" from POST /api/v1/auth/login.', details?: ErrorDetails) {
    super('unauthenticated', 401, message, details);
  }
}

export class TokenExpiredError extends PosternError {
  constructor(message = 'The access token has expired: get a new one with POST /api/v1/auth/refresh or sign in again.') {
    super('token_expired', 401, message);
  }
}

export class ForbiddenError extends PosternError {
  constructor(message: string, details?: ErrorDetails) {
    super('forbidden', 403, message, details);
  }
}

export class NotFoundError extends PosternError {
  constructor(kind: string, id: string) {
    super(`${kind}_not_found`, 404, `No ${kind.replaceAll('_', ' ')} with id or name "${id}" exists here, or you may not see it.`, { kind, id });
  }
}

export class ConflictError extends PosternError {
  constructor(message: string, details?: ErrorDetails) {
    super('conflict', 409, message, details);
  }
}

export class PayloadTooLargeError extends PosternError {
  constructor(limitBytes: number) {
    super('payload_too_large', 413, `The request body is larger than ${limitBytes} bytes; send a smaller one.`, { limitBytes });
  }
}

export class UnprocessableError extends PosternError {
  constructor(code: string, message: string, details?: ErrorDetails) {
    super(code, 422, message, details);
  }
}

export class SessionExpiredError extends PosternError {
  constructor(sessionId: string) {
    super('session_expired', 410, `Session ${sessionId} has ended; request a new session to reconnect.`, { sessionId });
  }
}

/** Rebuilds a typed error from an API error body, so clients can `instanceof` what the server threw. */
export function errorFromBody(status: number, body: unknown): PosternError {
  const err = (body as Partial<ErrorBody> | null)?.error;
  if (!err || typeof err.code !== 'string' || typeof err.message !== 'string') {
    return new PosternError('unexpected_response', status, `The server answered ${status} without a Postern error body.`);
  }
  return new PosternError(err.code, status, err.message, err.details);
}

/** Bytes that do not follow the SSH wire encoding (RFC 4251 §5): truncated, oversized or inconsistent. */
export class SshWireError extends PosternError {
  constructor(message: string) {
    super('ssh_wire_malformed', 400, `Malformed SSH data: ${message}.`);
  }
}

/** An SSH public or private key that cannot be read or used; the message names what is wrong. */
export class SshKeyError extends PosternError {
  constructor(message: string, details?: ErrorDetails) {
    super('ssh_key_invalid', 400, message, details);
  }
}

export type SshCertificateRejection =
  | 'malformed' | 'bad_signature' | 'wrong_ca' | 'wrong_type' | 'wrong_principal' | 'expired' | 'not_yet_valid'
  | 'wrong_source_address';

/** An OpenSSH certificate that failed verification; `reason` says which check refused it. */
export class SshCertificateError extends PosternError {
  readonly reason: SshCertificateRejection;
  constructor(reason: SshCertificateRejection, message: string, details?: ErrorDetails) {
    super(`ssh_cert_${reason}`, reason === 'malformed' ? 400 : 401, message, details);
    this.reason = reason;
  }
}
export class SshCertificateMalformedError extends SshCertificateError {
  constructor(message: string) { super('malformed', `The SSH certificate cannot be parsed: ${message}. Issue a new certificate.`); }
}
export class SshCertificateBadSignatureError extends SshCertificateError {
  constructor(message = 'The SSH certificate signature does not verify: it was altered after signing. Issue a new certificate.') { super('bad_signature', message); }
}
export class SshCertificateWrongCaError extends SshCertificateError {
  constructor(expected: string, actual: string) {
    super('wrong_ca', `The SSH certificate was signed by CA ${actual}, not by the trusted CA ${expected}; get a certificate from the right CA.`, { expected, actual });
  }
}
export class SshCertificateWrongTypeError extends SshCertificateError {
  constructor(expected: string, actual: string) {
    super('wrong_type', `A ${expected} certificate is required here but a ${actual} certificate was presented.`, { expected, actual });
  }
}
export class SshCertificateWrongPrincipalError extends SshCertificateError {
  constructor(principal: string, principals: readonly string[]) {
    super('wrong_principal', `The SSH certificate is not valid for principal "${principal}" (it names ${principals.length ? principals.join(', ') : 'no principal'}); issue one for "${principal}".`, { principal, principals: [...principals] });
  }
}
export class SshCertificateExpiredError extends SshCertificateError {
  constructor(validBefore: string, now: string) {
    super('expired', `The SSH certificate expired at ${validBefore} (now ${now}); issue a new one.`, { validBefore, now });
  }
}
export class SshCertificateNotYetValidError extends SshCertificateError {
  constructor(validAfter: string, now: string) {
    super('not_yet_valid', `The SSH certificate is valid only from ${validAfter} (now ${now}); check the clocks or wait.`, { validAfter, now });
  }
}

export type X509Rejection =
  | 'malformed' | 'bad_signature' | 'wrong_ca' | 'wrong_org' | 'wrong_usage' | 'wrong_identity' | 'expired' | 'not_yet_valid';

/** An X.509 certificate (or CSR) that failed a Postern check; `reason` says which check refused it. */
export class X509CertificateError extends PosternError {
  readonly reason: X509Rejection;
  constructor(reason: X509Rejection, message: string, details?: ErrorDetails) {
    super(`x509_${reason}`, reason === 'malformed' ? 400 : 401, message, details);
    this.reason = reason;
  }
}
export class X509MalformedError extends X509CertificateError {
  constructor(what: string, problem: string) { super('malformed', `The ${what} cannot be used: ${problem}.`, { what }); }
}
export class X509BadSignatureError extends X509CertificateError {
  constructor(what: string) { super('bad_signature', `The ${what} signature does not verify: it was altered after signing or forged. Request a new one.`, { what }); }
}
export class X509WrongCaError extends X509CertificateError {
  constructor(issuer: string, trusted: readonly string[]) {
    super('wrong_ca', `The certificate was issued by "${issuer}", which is not a CA trusted here (${trusted.join('; ')}); get a certificate from the right CA.`, { issuer, trusted: [...trusted] });
  }
}
export class X509WrongOrgError extends X509CertificateError {
  constructor(expected: string, actual: string | undefined) {
    super('wrong_org', `The certificate belongs to org "${actual ?? 'none'}", not "${expected}"; a certificate opens only its own org's relays and gateways.`, { expected, actual });
  }
}
export class X509WrongUsageError extends X509CertificateError {
  constructor(expected: string, actual: readonly string[]) {
    super('wrong_usage', `The certificate is not valid for ${expected} (it allows ${actual.length ? actual.join(', ') : 'nothing'}); issue one of the right kind.`, { expected, actual: [...actual] });
  }
}
export class X509WrongIdentityError extends X509CertificateError {
  constructor(expected: string, actual: readonly string[]) {
    super('wrong_identity', `The peer is not "${expected}" (its certificate names ${actual.length ? actual.join(', ') : 'no Postern identity'}); you reached the wrong gateway or relay.`, { expected, actual: [...actual] });
  }
}
export class X509ExpiredError extends X509CertificateError {
  constructor(notAfter: string, at: string) {
    super('expired', `The certificate expired at ${notAfter} (checked at ${at}); request a new one.`, { notAfter, at });
  }
}
export class X509NotYetValidError extends X509CertificateError {
  constructor(notBefore: string, at: string) {
    super('not_yet_valid', `The certificate is valid only from ${notBefore} (checked at ${at}); check the clocks or wait.`, { notBefore, at });
  }
}

/** Sign-in refused. One message for unknown account and wrong secret, so neither is revealed. */
export class InvalidCredentialsError extends PosternError {
  constructor(message = 'The email or password is wrong (or the account does not exist); check both and try again.') {
    super('invalid_credentials', 401, message);
  }
}
export class SshCertificateWrongSourceAddressError extends SshCertificateError {
  constructor(allowed: string, clientAddress: string | undefined) {
    super('wrong_source_address', clientAddress === undefined
      ? `The SSH certificate may only be used from ${allowed}, and the client address is unknown here.`
      : `The SSH certificate may only be used from ${allowed}, not from ${clientAddress}.`, { allowed, clientAddress });
  }
}

/** A relay first frame (or a status frame) that does not follow shared/src/relay/frame.ts. */
export class RelayFrameError extends PosternError {
  readonly reason: 'bad_frame' | 'unsupported_version';
  constructor(reason: 'bad_frame' | 'unsupported_version', problem: string) {
    super(`relay_${reason}`, 400, `Malformed relay frame: ${problem}.`, { reason });
    this.reason = reason;
  }
}

/** The client could not open a TCP/TLS connection to the relay at all. */
export class RelayUnreachableError extends PosternError {
  constructor(address: string, cause: string) {
    super('relay_unreachable', 503, `The relay at ${address} cannot be reached (${cause}); check the relay address and your network, or try again shortly.`, { address, cause });
  }
}

/** The relay's TLS certificate is not one the client was told to trust, or TLS with it failed. */
export class RelayUntrustedError extends PosternError {
  constructor(address: string, cause: string) {
    super('relay_untrusted', 502, `The relay at ${address} failed TLS verification (${cause}); its certificate is not from the Relay PKI Server CA you hold, or your relay client certificate was refused. Request a new session.`, { address, cause });
  }
}

/** The relay answered the first frame with a refusal; `reason` is the status name from the frame. */
export class RelayRefusedError extends PosternError {
  readonly reason: string;
  constructor(reason: string, relayMessage: string) {
    super('relay_refused', 403, `The relay refused the connection (${reason}): ${relayMessage}`, { reason });
    this.reason = reason;
  }
}

/** The gateway reached through the relay is not the one the session names (URI SAN pin). */
export class GatewayPinMismatchError extends PosternError {
  constructor(expectedGatewayId: string, problem: string) {
    super('gateway_pin_mismatch', 502, `The peer behind the relay is not gateway ${expectedGatewayId} (${problem}); do not retry with these credentials, report it to your administrator.`, { expectedGatewayId });
  }
}

/** The gateway refused the session after the inner TLS handshake; `reason` says which check. */
export class GatewayRefusedError extends PosternError {
  readonly reason: string;
  constructor(reason: string, gatewayMessage: string) {
    super('gateway_refused', 403, `The gateway refused the session (${reason}): ${gatewayMessage}`, { reason });
    this.reason = reason;
  }
}

/** The relayed channel closed or stalled before the gateway answered. */
export class GatewayUnreachableError extends PosternError {
  constructor(gatewayId: string, cause: string) {
    super('gateway_unreachable', 504, `Gateway ${gatewayId} did not complete the connection (${cause}); it may be restarting — try again in a few seconds.`, { gatewayId, cause });
  }
}

/** A gateway an admin revoked: it gets no certificate, credential or session any more. */
export class GatewayRevokedError extends PosternError {
  constructor(gatewayId: string) {
    super('gateway_revoked', 403, `Gateway ${gatewayId} has been revoked by an admin; register a new gateway with a new machine identity.`, { gatewayId });
  }
}

/** A relay that was revoked: it gets no certificate any more, and no gateway or session is sent to it. */
export class RelayRevokedError extends PosternError {
  constructor(relayId: string) {
    super('relay_revoked', 403, `Relay ${relayId} has been revoked; enroll a relay under a new name.`, { relayId });
  }
}

/** No relay can carry a gateway's tunnel yet. */
export class NoRelayAvailableError extends PosternError {
  constructor(orgId: string) {
    super('no_relay_available', 503, 'No relay is enrolled for this org or this instance; start a relay (it enrolls itself), then enroll the gateway again.', { orgId });
  }
}

/** Recording bytes that do not follow the chunk or record format (recording/chunk.ts, records.ts): truncated or inconsistent. */
export class RecordingFormatError extends PosternError {
  constructor(message: string) {
    super('recording_malformed', 400, `Malformed recording data: ${message}. The gateway re-sends the chunk from its spool; if this repeats, the spool file is damaged.`);
  }
}

/** A recording chunk that does not open with its session's key: altered, moved to another session or index, or sealed under another key. */
export class RecordingIntegrityError extends PosternError {
  constructor(sessionId: string, index: number) {
    super('recording_integrity_failed', 422, `Recording chunk ${index} of session ${sessionId} failed its integrity check: it was altered, belongs to another session or index, or was sealed with another key.`, { sessionId, index });
  }
}

/** A chunk index the server already holds with different content: the first upload stands. */
export class RecordingChunkConflictError extends PosternError {
  constructor(sessionId: string, index: number, storedSha256: string) {
    super('recording_chunk_conflict', 409, `Session ${sessionId} already has a different recording chunk ${index}; a stored chunk is never replaced.`, { sessionId, index, storedSha256 });
  }
}

/** The named resource exists but is of another type than the command asked for; the message names the right command. */
export class WrongResourceTypeError extends PosternError {
  constructor(name: string, actual: string, wanted: string) {
    super(`not_${wanted}_resource`, 400, `Resource "${name}" is a ${actual} resource; use postern pam ${actual} access for it.`, { name, type: actual });
  }
}

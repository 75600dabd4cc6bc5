/**
 * One JSON line per event on stderr. Not pino: the relay must also run on Deno, and this keeps
 * its dependencies to ssh2 and zod. Fields are ids, addresses and reasons only — never
 * certificate material or relayed bytes.
 */
export type RelayLog = (event: string, fields?: Record<string, unknown>) => void;

export function jsonLinesLog(relayId: string, write: (line: string) => void = (line) => process.stderr.write(line)): RelayLog {
  return (event, fields = {}) => write(`${JSON.stringify({ time: new Date().toISOString(), relay: relayId, event, ...fields })}\n`);
}

export const silentLog: RelayLog = () => undefined;

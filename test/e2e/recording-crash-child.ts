/**
 * A gateway-like process for recording-crash.test.ts. `record`: records a shell-like stream into
 * the spool (uploading as it goes) until it is killed; prints `spooled <index>` after each chunk
 * file is on disk. `upload`: a fresh process with no key uploads whatever the spool holds and
 * prints the totals as JSON. Bounded: exits by itself after 30 s.
 */
import process from 'node:process';
import { RecordingSpool } from '../../gateway/src/recording/recording-spool.ts';

const env = process.env;
const log = {
  info: () => undefined,
  warn: () => undefined,
  error: (fields: object, message?: string) => process.stderr.write(`${message ?? ''} ${JSON.stringify(fields)}\n`),
};
const spool = new RecordingSpool({
  dir: env.SPOOL_DIR!, server: { serverUrl: env.SERVER_URL!, token: () => env.GATEWAY_TOKEN! }, log,
  chunkBytes: Number(env.CHUNK_BYTES ?? 4_096), uploadIntervalMs: 100,
  onChunkSpooled: (_sessionId, index) => process.stdout.write(`spooled ${index}\n`),
});
setTimeout(() => process.exit(3), 30_000).unref();

async function record(): Promise<void> {
  spool.start();
  const recorder = spool.recorderFor({
    sessionId: env.SESSION_ID!, orgId: '', gatewayId: '', resourceId: '', accountId: '', actorId: undefined, notAfter: new Date(Date.now() + 600_000),
  });
  const terminal = recorder.openTerminal({ cols: 80, rows: 24, term: 'xterm' });
  let line = 0;
  setInterval(() => {
    for (let i = 0; i < 50; i += 1) {
      line += 1;
      terminal.output(Buffer.from(`line ${String(line).padStart(7, '0')}\r\n`));
    }
  }, 2);
}

async function upload(): Promise<void> {
  const totals = { uploaded: 0, refused: 0, left: 0, passes: 0 };
  for (; totals.passes < 50; totals.passes += 1) {
    const pass = await spool.uploadNow();
    totals.uploaded += pass.uploaded;
    totals.refused += pass.refused;
    totals.left = pass.left;
    if (pass.uploaded === 0 && pass.left === 0) break;
  }
  process.stdout.write(`${JSON.stringify(totals)}\n`);
  process.exit(0);
}

await (process.argv[2] === 'upload' ? upload() : record());

/**
 * Moves spooled chunks to the server: oldest first, one at a time (uploads must not compete with
 * live sessions for the link), taking a chunk out of the spool only after the server confirmed
 * its index and hash. Runs when a chunk is sealed, on a timer for retries, and at start for what an earlier
 * process left behind. Needs no key: it uploads ciphertext.
 */
import type { GatewayLogger } from '../logger.ts';
import { uploadChunk, type RecordingServerApi } from './server-api.ts';
import type { SpoolDirectory, SpooledChunk } from './spool-files.ts';

export const DEFAULT_UPLOAD_INTERVAL_MS = 10_000;

export interface UploaderOptions {
  spool: SpoolDirectory;
  server: RecordingServerApi;
  log: GatewayLogger;
  /** Sessions still recording in this process: their folders stay even when empty. */
  isRecording: (sessionId: string) => boolean;
  intervalMs?: number;
}

export interface DrainResult {
  uploaded: number;
  refused: number;
  /** Chunks left for a later try. */
  left: number;
}

export class ChunkUploader {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<DrainResult> | undefined;
  private queued: Promise<DrainResult> | undefined;

  constructor(private readonly options: UploaderOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.kick(), this.options.intervalMs ?? DEFAULT_UPLOAD_INTERVAL_MS);
    this.timer.unref();
    this.kick();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Upload soon; calls while a pass runs fold into one more pass after it. */
  kick(): void {
    void this.drain().catch((error: unknown) => this.options.log.warn({ event: 'recording_upload_failed', error: String(error) }, 'recording upload pass failed'));
  }

  /** One pass over the spool that starts now or, if one is running, right after it (so it sees every file written before the call). */
  drain(): Promise<DrainResult> {
    if (!this.running) {
      this.running = this.pass().finally(() => { this.running = undefined; });
      return this.running;
    }
    this.queued ??= this.running.catch(() => undefined).then(() => {
      this.queued = undefined;
      return this.drain();
    });
    return this.queued;
  }

  private async pass(): Promise<DrainResult> {
    const result: DrainResult = { uploaded: 0, refused: 0, left: 0 };
    const chunks = await this.options.spool.pending();
    const blocked = new Set<string>();
    for (const chunk of chunks) {
      // Keep a session's order: after one failed chunk, its later chunks wait too.
      if (blocked.has(chunk.sessionId)) { result.left += 1; continue; }
      const outcome = await this.uploadOne(chunk);
      if (outcome === 'stored') result.uploaded += 1;
      else if (outcome === 'refused') result.refused += 1;
      else { result.left += 1; blocked.add(chunk.sessionId); }
    }
    for (const sessionId of new Set(chunks.map((c) => c.sessionId))) {
      if (!this.options.isRecording(sessionId)) await this.options.spool.removeSessionIfEmpty(sessionId);
    }
    return result;
  }

  private async uploadOne(chunk: SpooledChunk): Promise<'stored' | 'refused' | 'retry'> {
    const sealed = await this.options.spool.read(chunk).catch(() => undefined);
    if (!sealed) return 'retry';
    const outcome = await uploadChunk(this.options.server, chunk.sessionId, chunk.index, sealed);
    const fields = { sessionId: chunk.sessionId, index: chunk.index, bytes: sealed.length };
    if (outcome.kind === 'stored') {
      await this.options.spool.remove(chunk);
      return 'stored';
    }
    if (outcome.kind === 'refused') {
      const kept = await this.options.spool.reject(chunk);
      this.options.log.error({ event: 'recording_chunk_refused', ...fields, code: outcome.error.code, status: outcome.error.status, keptAt: kept }, outcome.error.message);
      return 'refused';
    }
    this.options.log.warn({ event: 'recording_upload_retry', ...fields, reason: outcome.reason }, 'recording chunk upload will be retried');
    return 'retry';
  }
}

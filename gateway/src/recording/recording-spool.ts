/**
 * The gateway's session recordings: one recorder per session (every connection of the session
 * shares it), sealed chunks written to the spool folder, uploaded while the session runs, the
 * rest at the session's end, and — after a crash — by the next gateway process at start.
 * The session key comes from the server when the session's first connection arrives and lives
 * only in this process's memory.
 */
import type { SessionParameters } from '@postern/shared/pki/peer-identity';
import type { SessionRecorder } from '@postern/shared/recording/recorder';
import type { GatewayLogger } from '../logger.ts';
import { SessionChunkWriter } from './chunk-writer.ts';
import { fetchRecordingKey, type RecordingServerApi } from './server-api.ts';
import { SpoolDirectory } from './spool-files.ts';
import { SealThread } from './seal-thread.ts';
import { SpoolSessionRecorder } from './spool-recorder.ts';
import { ChunkUploader } from './uploader.ts';

export interface RecordingSpoolOptions {
  /** The spool folder (created if missing); keep it on a disk that survives a gateway restart. */
  dir: string;
  server: RecordingServerApi;
  log: GatewayLogger;
  chunkBytes?: number;
  sealIntervalMs?: number;
  uploadIntervalMs?: number;
  /** Called after each chunk is on disk (tests and metrics). */
  onChunkSpooled?: (sessionId: string, index: number, final: boolean) => void;
  /** Fires when an admin terminates the session (the gateway's termination watch), so its recording ends then, not at its planned end. */
  watchEnd?: (sessionId: string) => { signal: AbortSignal; release: () => void };
}

const KEY_ATTEMPTS = 5;
const KEY_RETRY_MS = 1_000;
const MAX_TIMER_MS = 2_147_483_647;

interface LiveSession {
  writer: SessionChunkWriter<string>;
  recorder: SessionRecorder;
  /** Chunk files still being written, in order. */
  writes: Promise<void>;
  /** Settles when the key came (or will not): only then are waiting chunks sealed and written. */
  keyed: Promise<void>;
  endTimer: NodeJS.Timeout;
  releaseWatch: () => void;
}

export class RecordingSpool {
  private readonly spool: SpoolDirectory;
  private readonly uploader: ChunkUploader;
  private readonly live = new Map<string, LiveSession>();
  private readonly sealer = new SealThread();
  /** Seals on the worker thread and writes the chunk file there too. */
  private readonly sealIntoSpool;
  /** Uploads run by themselves only after start(); before, only uploadNow() sends anything. */
  private started = false;

  constructor(private readonly options: RecordingSpoolOptions) {
    this.spool = new SpoolDirectory(options.dir);
    this.sealIntoSpool = this.sealer.sealInto(this.spool);
    this.uploader = new ChunkUploader({
      spool: this.spool, server: options.server, log: options.log, isRecording: (id) => this.live.has(id), intervalMs: options.uploadIntervalMs,
    });
  }

  /** Uploads what earlier runs left in the spool, then keeps uploading on a timer. */
  start(): void {
    this.started = true;
    this.uploader.start();
  }

  /** One upload pass now (what `start` runs on its timer); resolves when it is done. */
  uploadNow() {
    return this.uploader.drain();
  }

  /** The session's recorder; the first call starts its recording. */
  recorderFor(session: SessionParameters): SessionRecorder {
    const existing = this.live.get(session.sessionId);
    if (existing && !existing.writer.closed) return existing.recorder;
    const { sessionId } = session;
    const log = this.options.log;
    const entry = {} as LiveSession;
    entry.writes = Promise.resolve();
    entry.writer = new SessionChunkWriter({
      sessionId, chunkBytes: this.options.chunkBytes, sealIntervalMs: this.options.sealIntervalMs,
      seal: this.sealIntoSpool, allocate: this.sealer.allocate, release: this.sealer.release,
      persist: (index, sealed, final) => {
        sealed.catch(() => undefined); // handled in order by persist(); this only keeps it from counting as unhandled meanwhile
        entry.writes = entry.writes.then(() => this.persist(sessionId, index, sealed, final));
      },
      dropped: (chunks, reason) => log.error({ event: 'recording_dropped', sessionId, chunks, reason }, 'recording data was dropped'),
    });
    entry.recorder = new SpoolSessionRecorder(entry.writer, (error) => log.error({ event: 'recording_write_failed', sessionId, error: String(error) }, 'recording write failed'), this.sealer.flow);
    entry.endTimer = setTimeout(() => void this.endSession(sessionId), Math.min(MAX_TIMER_MS, Math.max(0, session.notAfter.getTime() - Date.now())));
    entry.endTimer.unref();
    const watched = this.options.watchEnd?.(sessionId);
    watched?.signal.addEventListener('abort', () => void this.endSession(sessionId), { once: true });
    entry.releaseWatch = watched?.release ?? (() => undefined);
    this.live.set(sessionId, entry);
    entry.keyed = this.provideKey(sessionId, entry.writer);
    return entry.recorder;
  }

  /** The session is over (its end time, or terminated): seal the final chunk and upload. */
  async endSession(sessionId: string): Promise<void> {
    const entry = this.live.get(sessionId);
    if (!entry) return;
    clearTimeout(entry.endTimer);
    entry.releaseWatch();
    entry.writer.end();
    await entry.keyed;
    await entry.writes;
    this.live.delete(sessionId);
    if (this.started) this.uploader.kick();
  }

  /** Graceful stop: seal every open chunk (not final: the sessions may go on through a restarted gateway) and try one last upload. */
  async close(): Promise<void> {
    for (const entry of this.live.values()) {
      clearTimeout(entry.endTimer);
      entry.releaseWatch();
      entry.writer.detach();
    }
    await Promise.all([...this.live.values()].map(async (entry) => { await entry.keyed; await entry.writes; }));
    this.uploader.stop();
    this.started = false;
    this.live.clear();
    await this.uploader.drain();
    await this.sealer.close();
  }

  /** `spooled` resolves once the worker has written the chunk file whole; files land in index order. */
  private async persist(sessionId: string, index: number, spooled: Promise<string>, final: boolean): Promise<void> {
    try {
      await spooled;
      this.options.onChunkSpooled?.(sessionId, index, final);
      if (this.started) this.uploader.kick();
    } catch (error) {
      this.options.log.error({ event: 'recording_spool_write_failed', sessionId, index, error: String(error) }, 'a recording chunk could not be written to the spool');
    }
  }

  private async provideKey(sessionId: string, writer: SessionChunkWriter<string>): Promise<void> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= KEY_ATTEMPTS; attempt += 1) {
      try {
        const { key, nextIndex } = await fetchRecordingKey(this.options.server, sessionId);
        // A restarted gateway continues after what it spooled before, as well as after what the server holds.
        writer.setKey(key, Math.max(nextIndex, (await this.spool.highestIndex(sessionId)) + 1));
        return;
      } catch (error) {
        lastError = error;
        const status = (error as { status?: number }).status;
        if (status !== undefined && status < 500 && status !== 429) break;
        await new Promise((resolve) => setTimeout(resolve, KEY_RETRY_MS * attempt));
      }
    }
    this.options.log.error({ event: 'recording_key_unavailable', sessionId, error: String(lastError) }, 'no recording key for the session; it is not recorded');
    writer.abandon('no recording key');
  }
}

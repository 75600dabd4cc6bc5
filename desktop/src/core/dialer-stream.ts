/**
 * The stream the inner TLS runs on at the client: writes go straight to the relay connection
 * (so the inner ClientHello is pipelined right behind the first frame), reads start only once
 * the relay's status frame has been taken off the relay connection (`start()`).
 */
import { Duplex } from 'node:stream';

export class HeldReadStream extends Duplex {
  #started = false;

  constructor(private readonly outer: Duplex) {
    super();
    outer.on('error', (error) => this.destroy(error));
    outer.on('close', () => this.destroy());
  }

  /** Delivers everything the relay sends after its status frame. */
  start(): void {
    this.#started = true;
    this.outer.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) this.outer.pause();
    });
    this.outer.on('end', () => this.push(null));
    this.outer.resume();
  }

  override _read(): void {
    if (this.#started) this.outer.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.outer.write(chunk, callback);
  }

  // The inner TLS hands over several records at once (corked): one outer write, one flush.
  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    this.outer.cork();
    for (let i = 0; i < chunks.length - 1; i++) this.outer.write(chunks[i]!.chunk);
    this.outer.write(chunks[chunks.length - 1]!.chunk, callback);
    this.outer.uncork();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.outer.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.outer.destroy(error ?? undefined);
    callback(error);
  }
}

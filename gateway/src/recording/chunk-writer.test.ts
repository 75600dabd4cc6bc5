import { describe, expect, it } from 'vitest';
import { generateRecordingKey, openChunk } from '@postern/shared/recording/chunk';
import { RecordingAssembler } from '@postern/shared/recording/assemble';
import { decodeRecords } from '@postern/shared/recording/records';
import { SessionChunkWriter } from './chunk-writer.ts';
import { sealInline } from './seal-thread.ts';
import { SpoolSessionRecorder } from './spool-recorder.ts';

const SESSION = '4b8a1f0e-2c3d-4e5f-8a9b-0c1d2e3f4a5b';

function harness(options: { chunkBytes?: number; sealIntervalMs?: number } = {}) {
  const key = generateRecordingKey();
  const sealed: Array<{ index: number; bytes: Buffer; final: boolean }> = [];
  let sealing = Promise.resolve();
  const drops: string[] = [];
  const writer = new SessionChunkWriter({ sessionId: SESSION, ...options, seal: sealInline, persist: (index, bytes, final) => { sealing = sealing.then(async () => { sealed.push({ index, bytes: Buffer.concat(await bytes), final }); }); }, dropped: (n, reason) => drops.push(`${n}:${reason}`) });
  const errors: unknown[] = [];
  const recorder = new SpoolSessionRecorder(writer, (error) => errors.push(error));
  const assemble = () => {
    const assembler = new RecordingAssembler();
    for (const chunk of sealed) assembler.add(decodeRecords(openChunk(key, SESSION, chunk.bytes).plaintext));
    return assembler.finish();
  };
  return { key, writer, recorder, sealed, drops, errors, assemble, settled: () => sealing };
}

describe('the session chunk writer and spool recorder', () => {
  it('seals by size in index order, splits large writes, flags the last chunk final, and reads back byte for byte', async () => {
    const h = harness({ chunkBytes: 4_096 });
    h.writer.setKey(h.key, 0);
    const shell = h.recorder.openTerminal({ cols: 80, rows: 24, term: 'xterm' });
    const big = Buffer.alloc(50_000);
    for (let i = 0; i < big.length; i += 1) big[i] = 0x20 + (i % 90);
    shell.input(Buffer.from('cat big\r'));
    shell.output(big);
    shell.resize(120, 40);
    const exec = h.recorder.openTerminal({ cols: 80, rows: 24, command: 'uptime' });
    exec.output(Buffer.from('up\n'));
    exec.close(0);
    exec.close(1);
    h.recorder.event({ type: 'ssh.exec', command: 'uptime', exitCode: 0 });
    shell.close(2);
    h.writer.end();
    await h.settled();
    expect(h.sealed.length).toBeGreaterThan(12);
    expect(h.sealed.map((c) => c.index)).toEqual(h.sealed.map((_, i) => i));
    expect(h.sealed.map((c) => c.final)).toEqual(h.sealed.map((_, i) => i === h.sealed.length - 1));
    expect(h.sealed.every((c) => c.bytes.length <= 4_096 + 37)).toBe(true);
    const { terminals, events } = h.assemble();
    expect(terminals.map((t) => [t.id, t.exitCode])).toEqual([[1, 2], [2, 0]]);
    expect(terminals[0]!.bytesOut).toBe(50_000);
    expect(terminals[0]!.events.filter((e) => e[1] === 'o').map((e) => e[2]).join('')).toBe(big.toString('latin1'));
    expect(terminals[0]!.events.at(-1)).toEqual([expect.any(Number), 'r', '120x40']);
    expect(terminals[1]!.start.command).toBe('uptime');
    expect(events.map((e) => e.event.type)).toEqual(['ssh.exec']);
    expect(h.errors).toEqual([]);
  });

  it('seals what it has every interval, so an idle session still reaches the spool', async () => {
    const h = harness({ sealIntervalMs: 40 });
    h.writer.setKey(h.key, 0);
    h.recorder.openTerminal({ cols: 80, rows: 24 }).output(Buffer.from('hello'));
    const deadline = Date.now() + 2_000;
    while (h.sealed.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    await h.settled();
    expect(h.sealed).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(h.sealed).toHaveLength(1);
    h.writer.end();
  });

  it('keeps chunks in memory until the key comes, then numbers them from the index the server gives', async () => {
    const h = harness({ chunkBytes: 1_024 });
    const terminal = h.recorder.openTerminal({ cols: 80, rows: 24 });
    terminal.output(Buffer.alloc(3_000, 0x41));
    expect(h.sealed).toEqual([]);
    h.writer.setKey(h.key, 7);
    await h.settled();
    expect(h.sealed.map((c) => c.index)).toEqual([7, 8, 9]);
    h.writer.end();
    await h.settled();
    expect(h.sealed.map((c) => c.index)).toEqual([7, 8, 9, 10]);
    expect(h.assemble().terminals[0]!.bytesOut).toBe(3_000);
  });

  it('a key that never comes drops the recording and says so', async () => {
    const h = harness({ chunkBytes: 1_024 });
    h.recorder.openTerminal({ cols: 80, rows: 24 }).output(Buffer.alloc(2_000, 0x41));
    h.writer.abandon('no recording key');
    h.recorder.event({ type: 'after' });
    h.writer.setKey(h.key, 0);
    await h.settled();
    expect(h.sealed).toEqual([]);
    expect(h.drops).toEqual(['3:no recording key']);
  });

  it('detach seals without the final flag; nothing is written after end', async () => {
    const h = harness();
    h.writer.setKey(h.key, 0);
    h.recorder.event({ type: 'x' });
    h.writer.detach();
    h.recorder.event({ type: 'y' });
    h.writer.end();
    await h.settled();
    expect(h.sealed.map((c) => c.final)).toEqual([false]);
  });

  it('an event larger than a small chunk is replaced by a note too', async () => {
    const h = harness({ chunkBytes: 1_024 });
    h.writer.setKey(h.key, 0);
    h.recorder.event({ type: 'k8s.request', path: 'y'.repeat(5_000) });
    h.writer.end();
    await h.settled();
    expect(h.errors).toEqual([]);
    expect(h.assemble().events[0]!.event).toMatchObject({ type: 'k8s.request', truncated: true });
  });

  it('hands its buffer back when it stops (end, detach or abandon), once', async () => {
    for (const stop of ['end', 'detach', 'abandon'] as const) {
      const released: Buffer[] = [];
      const allocated: Buffer[] = [];
      const writer = new SessionChunkWriter({
        sessionId: SESSION, seal: sealInline, persist: () => {},
        allocate: (size) => { const buffer = Buffer.alloc(size); allocated.push(buffer); return buffer; },
        release: (buffer) => released.push(buffer),
      });
      if (stop !== 'abandon') writer.setKey(generateRecordingKey(), 0);
      writer.appendJson('event', 0, { type: 'x' });
      if (stop === 'abandon') writer.abandon('no key'); else writer[stop]();
      writer.end();
      expect(released, stop).toEqual([allocated.at(-1)]);
    }
  });

  it('an oversized event is replaced by a note, never refused downstream', async () => {
    const h = harness();
    h.writer.setKey(h.key, 0);
    h.recorder.event({ type: 'ssh.sftp', path: 'x'.repeat(100_000) });
    h.writer.end();
    await h.settled();
    expect(h.assemble().events[0]!.event).toEqual({ type: 'ssh.sftp', truncated: true, bytes: expect.any(Number) });
  });
});

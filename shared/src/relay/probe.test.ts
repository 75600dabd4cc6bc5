import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MAX_PROBE_LINE_BYTES, encodeProbeLine, readProbeLine, takeProbeLine, zProbeAnswer, zProbeRequest } from './probe.ts';

describe('postern-probe lines', () => {
  it('round-trips a request and an answer, with defaults filled in', () => {
    const taken = takeProbeLine(Buffer.concat([encodeProbeLine({ host: 'db.internal', port: 22, sshHostKey: true }), Buffer.from('rest')]));
    expect(zProbeRequest.parse(JSON.parse(taken!.line))).toEqual({ host: 'db.internal', port: 22, sshHostKey: true, timeoutMs: 5000 });
    expect(taken!.rest.toString()).toBe('rest');
    const answer = takeProbeLine(encodeProbeLine({ ok: false, error: 'ECONNREFUSED' }))!;
    expect(zProbeAnswer.parse(JSON.parse(answer.line))).toEqual({ ok: false, error: 'ECONNREFUSED' });
  });

  it('waits for a newline, refuses a line over the cap, and refuses unknown or out-of-range fields', () => {
    expect(takeProbeLine(Buffer.from('{"host":'))).toBeUndefined();
    expect(() => takeProbeLine(Buffer.alloc(MAX_PROBE_LINE_BYTES + 1, 0x41))).toThrow(/longer than/);
    expect(() => takeProbeLine(Buffer.concat([Buffer.alloc(MAX_PROBE_LINE_BYTES + 1, 0x41), Buffer.from('\n')]))).toThrow(/longer than/);
    expect(zProbeRequest.safeParse({ host: 'h', port: 0 }).success).toBe(false);
    expect(zProbeRequest.safeParse({ host: 'h', port: 22, extra: 1 }).success).toBe(false);
    expect(zProbeRequest.safeParse({ host: 'h', port: 22, timeoutMs: 60_000 }).success).toBe(false);
  });

  it('random and truncated input never throws anything but a clear error', () => {
    for (let i = 0; i < 500; i += 1) {
      const bytes = randomBytes(Math.floor(Math.random() * 64));
      try {
        const taken = takeProbeLine(bytes);
        if (taken) zProbeRequest.safeParse((() => { try { return JSON.parse(taken.line); } catch { return undefined; } })());
      } catch (error) {
        expect((error as Error).message).toMatch(/longer than/);
      }
    }
  });

  it('readProbeLine resolves on the first line, rejects on end or timeout', async () => {
    const stream = new PassThrough();
    const line = readProbeLine(stream, 1000);
    stream.write('{"ok":');
    stream.write('true,"connectMs":1}\nmore');
    expect(await line).toBe('{"ok":true,"connectMs":1}');
    const ended = new PassThrough();
    const early = readProbeLine(ended, 1000);
    ended.end('partial');
    await expect(early).rejects.toThrow(/ended/);
    await expect(readProbeLine(new PassThrough(), 50)).rejects.toThrow(/within 50 ms/);
  });
});

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TerminalRecorder } from '../recording/recorder.ts';
import { ExecChannel, execOutcomeFromErrorChannel, parseResizeMessage } from './exec-channels.ts';
import { ExecStreamRecorder } from './exec-recording.ts';
import { SpdyFlag, SpdyFrameWriter } from './spdy-framing.ts';
import { WebSocketOpcode, encodeWebSocketFrame } from './websocket-frames.ts';

type Recorded = ['o' | 'i', string] | ['r', number, number] | ['x', number | null | undefined];

function fakeTerminal(): TerminalRecorder & { log: Recorded[] } {
  const log: Recorded[] = [];
  return {
    log,
    output: (d) => log.push(['o', Buffer.from(d).toString()]),
    input: (d) => log.push(['i', Buffer.from(d).toString()]),
    resize: (c, r) => log.push(['r', c, r]),
    close: (code) => log.push(['x', code]),
  };
}

const nonZeroExit = (code: number) => JSON.stringify({ metadata: {}, status: 'Failure', reason: 'NonZeroExitCode',
  message: `command terminated with non-zero exit code: exit code ${code}`, details: { causes: [{ reason: 'ExitCode', message: String(code) }] } });

const wsMessage = (channel: number, data: string, mask?: Buffer) =>
  encodeWebSocketFrame({ fin: true, opcode: WebSocketOpcode.Binary, data: Buffer.concat([Buffer.from([channel]), Buffer.from(data)]), ...(mask ? { mask } : {}) });

describe('exec stream recording', () => {
  it('WebSocket v5: stdin is input, stdout/stderr output, resize a resize, the Status the exit code', () => {
    const terminal = fakeTerminal();
    const recorder = new ExecStreamRecorder({ transport: 'websocket', protocol: 'v5.channel.k8s.io', terminal });
    const mask = Buffer.from([9, 8, 7, 6]);
    const client = Buffer.concat([wsMessage(ExecChannel.Resize, '{"Width":120,"Height":40}', mask), wsMessage(ExecChannel.Stdin, 'ls\r', mask),
      encodeWebSocketFrame({ fin: true, opcode: WebSocketOpcode.Binary, data: Buffer.from([255, 0]), mask })]);
    for (const byte of client) recorder.fromClient(Buffer.from([byte]));
    recorder.fromServer(Buffer.concat([wsMessage(ExecChannel.Stdout, 'hi\n'), wsMessage(ExecChannel.Stderr, 'warn\n'), wsMessage(ExecChannel.Error, nonZeroExit(3))]));
    expect(recorder.finish()).toMatchObject({ exitCode: 3 });
    expect(terminal.log).toEqual([['r', 120, 40], ['i', 'ls\r'], ['o', 'hi\n'], ['o', 'warn\n'], ['x', 3]]);
    recorder.finish();
    expect(terminal.log.filter(([kind]) => kind === 'x')).toHaveLength(1);
  });

  it('SPDY: streams are named by streamType; newline-ended resizes; Success is exit code 0', () => {
    const terminal = fakeTerminal();
    const recorder = new ExecStreamRecorder({ transport: 'spdy', protocol: 'v4.channel.k8s.io', terminal });
    const client = new SpdyFrameWriter();
    const server = new SpdyFrameWriter();
    const streams = ['error', 'stdin', 'stdout', 'resize'];
    const opened = streams.map((type, i) => client.encode({ type: 'syn_stream', streamId: 1 + 2 * i, associatedStreamId: 0, priority: 0, flags: 0, headers: { streamtype: [type] } }));
    recorder.fromClient(Buffer.concat([...opened,
      client.encode({ type: 'data', streamId: 7, flags: 0, data: Buffer.from('{"Width":80,') }),
      client.encode({ type: 'data', streamId: 7, flags: 0, data: Buffer.from('"Height":24}\n{"Width":100,"Height":30}\n') }),
      client.encode({ type: 'data', streamId: 3, flags: SpdyFlag.Fin, data: Buffer.from('echo hi\n') })]));
    recorder.fromServer(Buffer.concat([
      ...streams.map((_, i) => server.encode({ type: 'syn_reply', streamId: 1 + 2 * i, flags: 0, headers: {} })),
      server.encode({ type: 'data', streamId: 5, flags: 0, data: Buffer.from('hi\n') }),
      server.encode({ type: 'data', streamId: 1, flags: SpdyFlag.Fin, data: Buffer.from('{"metadata":{},"status":"Success"}') })]));
    expect(recorder.finish()).toEqual({ exitCode: 0 });
    expect(terminal.log).toEqual([['r', 80, 24], ['r', 100, 30], ['i', 'echo hi\n'], ['o', 'hi\n'], ['x', 0]]);
  });

  it('garbage stops the recording once, through onError, and never throws into the data path', () => {
    const terminal = fakeTerminal();
    const errors: unknown[] = [];
    const recorder = new ExecStreamRecorder({ transport: 'spdy', protocol: 'v5.channel.k8s.io', terminal, onError: (e) => errors.push(e) });
    const spdyVersion2 = Buffer.from([0x80, 0x02, 0, 1, 0, 0, 0, 4, 0, 0, 0, 1]);
    for (let i = 0; i < 50; i += 1) {
      expect(() => recorder.fromClient(i === 0 ? spdyVersion2 : randomBytes(64))).not.toThrow();
      expect(() => recorder.fromServer(randomBytes(64))).not.toThrow();
    }
    expect(errors).toHaveLength(1);
    expect(recorder.finish().exitCode).toBeNull();
  });
});

describe('remote-command channel messages', () => {
  it('reads exit codes from v4/v5 Status and from pre-v4 plain messages', () => {
    expect(execOutcomeFromErrorChannel('{"status":"Success"}', 'v5.channel.k8s.io')).toEqual({ exitCode: 0 });
    expect(execOutcomeFromErrorChannel(nonZeroExit(42), 'v4.channel.k8s.io').exitCode).toBe(42);
    expect(execOutcomeFromErrorChannel('{"status":"Failure","reason":"InternalError","message":"boom"}', 'v5.channel.k8s.io'))
      .toEqual({ exitCode: null, message: 'boom' });
    expect(execOutcomeFromErrorChannel('', 'v5.channel.k8s.io').exitCode).toBeNull();
    expect(execOutcomeFromErrorChannel('', 'channel.k8s.io')).toEqual({ exitCode: 0 });
    expect(execOutcomeFromErrorChannel('container not found', 'v3.channel.k8s.io')).toEqual({ exitCode: null, message: 'container not found' });
  });

  it('accepts only positive whole terminal sizes', () => {
    expect(parseResizeMessage('{"Width":80,"Height":24}')).toEqual({ cols: 80, rows: 24 });
    for (const bad of ['{"Width":0,"Height":24}', '{"Width":1.5,"Height":2}', '{}', 'nope', '[1,2]']) expect(parseResizeMessage(bad)).toBeUndefined();
  });
});

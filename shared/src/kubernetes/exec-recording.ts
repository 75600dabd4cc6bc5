import type { TerminalRecorder } from '../recording/recorder.ts';
import { ExecChannel, execOutcomeFromErrorChannel, parseResizeMessage, spdyStreamChannels, type ExecOutcome } from './exec-channels.ts';
import { SpdyFrameReader, type SpdyFrame } from './spdy-framing.ts';
import { WebSocketMessageReader, WebSocketOpcode, type WebSocketMessage } from './websocket-frames.ts';

export type ExecTransport = 'websocket' | 'spdy';

export interface ExecStreamRecorderOptions {
  transport: ExecTransport;
  /** The negotiated remote-command protocol (e.g. v5.channel.k8s.io): it decides how the error channel reads. */
  protocol: string;
  terminal: TerminalRecorder;
  /** Told once if the bytes stop making sense; recording then stops, the session goes on. */
  onError?: (error: unknown) => void;
}

/**
 * Records one `kubectl exec`/`attach` as a terminal by reading copies of the bytes both ways:
 * stdin becomes input, stdout/stderr output, resize messages resizes, and the error channel's
 * Status the exit code. It only observes: the proxy forwards the bytes unchanged whatever
 * happens here, so a parse failure costs the recording, never the session.
 */
export class ExecStreamRecorder {
  private readonly client: (chunk: Buffer) => void;
  private readonly server: (chunk: Buffer) => void;
  private readonly errorChannel: Buffer[] = [];
  private failed = false;
  private finished = false;
  private resizeLine = '';

  constructor(private readonly options: ExecStreamRecorderOptions) {
    if (options.transport === 'websocket') {
      const fromClient = new WebSocketMessageReader();
      const fromServer = new WebSocketMessageReader();
      this.client = (chunk) => fromClient.push(chunk).forEach((m) => this.channelMessage(m, 'client'));
      this.server = (chunk) => fromServer.push(chunk).forEach((m) => this.channelMessage(m, 'server'));
    } else {
      const streamChannels = new Map<number, number>();
      const fromClient = new SpdyFrameReader();
      const fromServer = new SpdyFrameReader();
      this.client = (chunk) => fromClient.push(chunk).forEach((f) => this.spdyFrame(f, streamChannels, 'client'));
      this.server = (chunk) => fromServer.push(chunk).forEach((f) => this.spdyFrame(f, streamChannels, 'server'));
    }
  }

  fromClient(chunk: Buffer): void {
    this.guard(() => this.client(chunk));
  }

  fromServer(chunk: Buffer): void {
    this.guard(() => this.server(chunk));
  }

  /** The connection closed: the terminal ends with the exit code the error channel carried. */
  finish(): ExecOutcome {
    const outcome = execOutcomeFromErrorChannel(Buffer.concat(this.errorChannel).toString('utf8'), this.options.protocol);
    if (!this.finished) {
      this.finished = true;
      this.options.terminal.close(outcome.exitCode);
    }
    return outcome;
  }

  private guard(parse: () => void): void {
    if (this.failed || this.finished) return;
    try {
      parse();
    } catch (error) {
      this.failed = true;
      this.options.onError?.(error);
    }
  }

  private channelMessage(message: WebSocketMessage, from: 'client' | 'server'): void {
    if (message.opcode !== WebSocketOpcode.Binary || message.data.length === 0) return;
    this.channelData(message.data[0]!, message.data.subarray(1), from);
  }

  private spdyFrame(frame: SpdyFrame, streamChannels: Map<number, number>, from: 'client' | 'server'): void {
    // Every remote-command stream is opened by the client, named by its streamType header.
    if (frame.type === 'syn_stream' && from === 'client') {
      const channel = spdyStreamChannels[frame.headers.streamtype?.[0] ?? ''];
      if (channel !== undefined) streamChannels.set(frame.streamId, channel);
      return;
    }
    if (frame.type !== 'data' || frame.data.length === 0) return;
    const channel = streamChannels.get(frame.streamId);
    if (channel !== undefined) this.channelData(channel, frame.data, from);
  }

  private channelData(channel: number, data: Buffer, from: 'client' | 'server'): void {
    const { terminal } = this.options;
    if (from === 'client') {
      if (channel === ExecChannel.Stdin) terminal.input(data);
      else if (channel === ExecChannel.Resize) this.resizeData(data);
      return;
    }
    if (channel === ExecChannel.Stdout || channel === ExecChannel.Stderr) terminal.output(data);
    else if (channel === ExecChannel.Error) this.errorChannel.push(Buffer.from(data));
  }

  /** WebSocket sends one JSON size per message; SPDY a stream of newline-ended JSON sizes. */
  private resizeData(data: Buffer): void {
    const lines = (this.resizeLine + data.toString('utf8')).split('\n');
    this.resizeLine = this.options.transport === 'spdy' ? lines.pop() ?? '' : '';
    for (const line of lines) {
      const size = line.trim() ? parseResizeMessage(line) : undefined;
      if (size) this.options.terminal.resize(size.cols, size.rows);
    }
  }
}

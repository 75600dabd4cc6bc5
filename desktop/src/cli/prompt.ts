import type { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline';

/**
 * Reads a secret from the terminal without echoing it. On a TTY the terminal is put in raw mode
 * and keys are handled here (Enter ends, Backspace erases, Ctrl-C or Ctrl-D aborts); from a pipe
 * the first line is read, so `echo pw | postern login` also works.
 */

export interface PromptStreams {
  input: Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  output: Writable;
}

export class PromptAbortedError extends Error {
  constructor() {
    super('Cancelled.');
    this.name = 'PromptAbortedError';
  }
}

/**
 * Lines of a piped input, read by one readline interface per stream: a second interface would
 * miss what the first one already buffered (the password after the email).
 */
class LineQueue {
  private readonly lines: string[] = [];
  private readonly waiting: Array<{ resolve(line: string): void; reject(error: Error): void }> = [];
  private closed = false;

  constructor(input: Readable) {
    const rl = createInterface({ input, terminal: false });
    rl.on('line', (line) => {
      const next = this.waiting.shift();
      if (next) next.resolve(line);
      else this.lines.push(line);
    });
    rl.on('close', () => {
      this.closed = true;
      for (const next of this.waiting.splice(0)) next.reject(new PromptAbortedError());
    });
  }

  next(): Promise<string> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.closed) return Promise.reject(new PromptAbortedError());
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }
}

const queues = new WeakMap<Readable, LineQueue>();

export function readLine(question: string, { input, output }: PromptStreams): Promise<string> {
  let queue = queues.get(input);
  if (!queue) {
    queue = new LineQueue(input);
    queues.set(input, queue);
  }
  output.write(question);
  return queue.next();
}

export function readSecret(question: string, streams: PromptStreams): Promise<string> {
  const { input, output } = streams;
  if (!input.isTTY || !input.setRawMode) return readLine(question, streams);
  output.write(question);
  const setRawMode = input.setRawMode.bind(input);
  setRawMode(true);
  input.resume();
  return new Promise((resolve, reject) => {
    let secret = '';
    const finish = (error: Error | undefined) => {
      input.off('data', onData);
      setRawMode(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(secret);
    };
    const onData = (chunk: Buffer | string) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish(undefined);
        if (char === '\u0003' || char === '\u0004') return finish(new PromptAbortedError());
        if (char === '\u007f' || char === '\b') secret = [...secret].slice(0, -1).join('');
        else if (char >= ' ') secret += char;
      }
    };
    input.on('data', onData);
  });
}

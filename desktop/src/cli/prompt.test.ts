import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PromptAbortedError, readSecret } from './prompt.ts';

function fakeTty() {
  const input = Object.assign(new PassThrough(), { isTTY: true, modes: [] as boolean[], setRawMode(mode: boolean) { input.modes.push(mode); return input; } });
  const output = new PassThrough();
  let written = '';
  output.on('data', (chunk) => { written += chunk; });
  return { input, output, written: () => written };
}

describe('readSecret on a terminal', () => {
  it('reads the password in raw mode without echoing it, honouring backspace', async () => {
    const tty = fakeTty();
    const secret = readSecret('Password: ', tty);
    tty.input.write('hunter2x\u007f');
    tty.input.write('!\r');
    expect(await secret).toBe('hunter2!');
    expect(tty.written()).toBe('Password: \n');
    expect(tty.input.modes).toEqual([true, false]);
  });

  it('aborts on Ctrl-C and restores the terminal', async () => {
    const tty = fakeTty();
    const secret = readSecret('Password: ', tty);
    tty.input.write('abc\u0003');
    await expect(secret).rejects.toBeInstanceOf(PromptAbortedError);
    expect(tty.input.modes).toEqual([true, false]);
  });
});

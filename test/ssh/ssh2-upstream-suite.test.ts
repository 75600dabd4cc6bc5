/**
 * ssh2's own regression tests (shipped in node_modules/ssh2/test) for the parts our patch touches,
 * run against the patched ssh2: certificate support must not change how plain keys behave.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ssh2Root = dirname(createRequire(import.meta.url).resolve('ssh2/package.json'));

function runUpstreamTest(name: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ssh2Root, 'test', `${name}.js`)], { cwd: ssh2Root, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, output: `${stdout}${stderr}` });
    });
  });
}

describe('ssh2 upstream tests with our certificate patch applied', () => {
  it.each(['test-protocol-keyparser', 'test-userauth', 'test-server-hostkeys', 'test-integration-openssh'])('%s passes', async (name) => {
    const result = await runUpstreamTest(name);
    expect(result.output).not.toMatch(/AssertionError|Error:/);
    expect(result.code).toBe(0);
  });
});

import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KubeconfigFileError } from './errors.ts';
import { buildKubeconfig, mergeKubeconfig, userKubeconfigPath, writeSessionKubeconfig } from './kubeconfig.ts';

/** The user's kubeconfig as people write it: comments, two clusters, a token user, an exec user, extensions. */
const userConfig = `# my clusters — keep this comment
apiVersion: v1
kind: Config
clusters:
  - name: prod
    cluster:
      server: https://prod.example.com:6443
      certificate-authority-data: LS0tLS1CRUdJTg==
  - name: dev # inline comment
    cluster: {server: 'https://dev.example.com'}
users:
  - name: alice
    user:
      token: alice-secret-token
  - name: sso
    user:
      exec:
        apiVersion: client.authentication.k8s.io/v1
        command: kubelogin
        args: [get-token, "--oidc-issuer-url=https://issuer.example.com"]
contexts:
  - name: prod
    context: {cluster: prod, user: alice, namespace: payments}
  - name: dev
    context:
      cluster: dev
      user: sso
current-context: prod
preferences: {}
extensions:
  - name: vendor
    extension: {anything: [1, 2, 3]}
`;

/** What the real kubectl reads from a kubeconfig file. */
function kubectlView(path: string): Record<string, unknown> {
  const result = spawnSync('kubectl', ['config', 'view', '--raw', '-o', 'json'], { env: { PATH: process.env.PATH, HOME: tmpdir(), KUBECONFIG: path }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`kubectl config view failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

const withoutPostern = (view: Record<string, unknown>) => {
  const copy = structuredClone(view) as Record<string, { name: string }[] | unknown>;
  for (const section of ['clusters', 'users', 'contexts']) copy[section] = (copy[section] as { name: string }[]).filter((e) => !e.name.startsWith('postern-'));
  delete copy['current-context'];
  return copy;
};

describe('kubeconfig files', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'postern-kubeconfig-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  const entry = { name: 'postern-staging', server: 'http://127.0.0.1:40123', namespace: 'web' };

  it("Postern's own kubeconfig is 0600, holds no secret, and kubectl reads the context from it", async () => {
    const path = await writeSessionKubeconfig(dir, entry);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const view = kubectlView(path);
    expect(view).toMatchObject({
      'current-context': 'postern-staging',
      clusters: [{ name: 'postern-staging', cluster: { server: 'http://127.0.0.1:40123' } }],
      contexts: [{ name: 'postern-staging', context: { cluster: 'postern-staging', user: 'postern-staging', namespace: 'web' } }],
      users: [{ name: 'postern-staging', user: {} }],
    });
    expect(buildKubeconfig(entry)).not.toMatch(/token|password|client-key|exec/);
  });

  it('merge adds the context and makes it current; the rest keeps its meaning, and unmerge gives the file back as it was', async () => {
    const path = join(dir, 'config');
    await writeFile(path, userConfig, { mode: 0o640 });
    const before = kubectlView(path);
    const merged = await mergeKubeconfig(path, entry);
    const during = kubectlView(path);
    expect(during['current-context']).toBe('postern-staging');
    expect(withoutPostern(during)).toEqual(withoutPostern(before));
    expect((during.contexts as { name: string }[]).map((c) => c.name).sort()).toEqual(['dev', 'postern-staging', 'prod']);
    const text = await readFile(path, 'utf8');
    expect(text).toContain('# my clusters — keep this comment');
    expect(text).toContain('# inline comment');
    expect((await stat(path)).mode & 0o777).toBe(0o640);
    await merged.remove();
    expect(kubectlView(path)).toEqual(before);
    expect(await readFile(path, 'utf8')).toBe(userConfig);
  });

  it('merging twice replaces the entry; a context another session took over is left alone on removal', async () => {
    const path = join(dir, 'config');
    await writeFile(path, userConfig);
    const first = await mergeKubeconfig(path, entry);
    const second = await mergeKubeconfig(path, { ...entry, server: 'http://127.0.0.1:40999' });
    expect((parse(await readFile(path, 'utf8')) as { clusters: { name: string }[] }).clusters.filter((c) => c.name === 'postern-staging')).toHaveLength(1);
    // The first session's removal finds the second one's server in the entry and leaves it.
    await first.remove();
    expect(kubectlView(path)['current-context']).toBe('postern-staging');
    await second.remove();
    expect(kubectlView(path)['current-context']).toBe('prod');
  });

  it('merging into a missing file creates it, and removing deletes it again', async () => {
    const path = join(dir, 'nested', 'config');
    const merged = await mergeKubeconfig(path, entry);
    expect(kubectlView(path)['current-context']).toBe('postern-staging');
    await merged.remove();
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a file that is not a kubeconfig is refused, untouched', async () => {
    const path = join(dir, 'config');
    for (const bad of ['clusters: {a: 1}\n', '- just\n- a list\n', 'key: [unclosed\n']) {
      await writeFile(path, bad);
      await expect(mergeKubeconfig(path, entry)).rejects.toBeInstanceOf(KubeconfigFileError);
      expect(await readFile(path, 'utf8')).toBe(bad);
    }
  });

  it('the user kubeconfig is the first KUBECONFIG entry, else ~/.kube/config', () => {
    expect(userKubeconfigPath({ KUBECONFIG: '/a/one:/b/two' }, '/home/u')).toBe('/a/one');
    expect(userKubeconfigPath({ KUBECONFIG: '' }, '/home/u')).toBe('/home/u/.kube/config');
    expect(userKubeconfigPath({}, '/home/u')).toBe('/home/u/.kube/config');
  });
});

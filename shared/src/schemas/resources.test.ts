import { describe, expect, it } from 'vitest';
import { zCreateKubernetesResource, zCreateSshResource, zHost, zUpdateKubernetesResource, zUpdateSshResource } from './resources.ts';
import { zName } from './names.ts';

const ids = { projectId: '0b1c5a52-3f0e-4c5e-9d0a-6f2f6f1e9a10', gatewayId: '1b1c5a52-3f0e-4c5e-9d0a-6f2f6f1e9a10' };

describe('resource schemas', () => {
  it.each(['db-1.internal', '10.0.0.5', 'localhost', '::1', '[fe80::1]', 'a.b.c.d.example.com'])('accepts host %s', (host) => {
    expect(zHost.safeParse(host).success).toBe(true);
  });

  it.each(['', 'bad host', '-lead.example', 'a..b', 'host;rm -rf /', 'x'.repeat(254)])('rejects host %j', (host) => {
    expect(zHost.safeParse(host).success).toBe(false);
  });

  it('defaults the SSH port to 22 and bounds it', () => {
    expect(zCreateSshResource.parse({ ...ids, name: 'web', host: 'web.internal' }).port).toBe(22);
    for (const port of [0, 65536, 22.5, '22', -1]) {
      const r = zCreateSshResource.safeParse({ ...ids, name: 'web', host: 'web.internal', port });
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.path).toEqual(['port']);
    }
  });

  it('rejects unknown fields so typos are not silently dropped', () => {
    expect(zCreateSshResource.safeParse({ ...ids, name: 'web', host: 'h', prot: 22 }).success).toBe(false);
  });

  it('keeps SQL-looking and unicode names verbatim, refuses control characters', () => {
    expect(zName.parse("x'; DROP TABLE resources; --")).toBe("x'; DROP TABLE resources; --");
    expect(zName.parse('  データベース-πρώτη 🚀 ')).toBe('データベース-πρώτη 🚀');
    expect(zName.safeParse('line\nbreak').success).toBe(false);
    expect(zName.safeParse('   ').success).toBe(false);
    expect(zName.safeParse('x'.repeat(65)).success).toBe(false);
  });

  it('requires https for Kubernetes and a PEM bundle when one is given', () => {
    const base = { ...ids, name: 'k8s' };
    expect(zCreateKubernetesResource.parse({ ...base, url: 'https://10.0.0.1:6443' }).tls).toEqual({ verify: true });
    expect(zCreateKubernetesResource.safeParse({ ...base, url: 'http://10.0.0.1:6443' }).success).toBe(false);
    expect(zCreateKubernetesResource.safeParse({ ...base, url: 'https://k', tls: { verify: true, caCertificate: 'nope' } }).success).toBe(false);
    expect(zCreateKubernetesResource.parse({ ...base, url: 'https://k', tls: { verify: false } }).tls).toEqual({ verify: false });
  });
});

describe('update schemas', () => {
  it('leave out what the caller left out (no defaults on update)', () => {
    expect(zUpdateSshResource.parse({ name: 'x' })).toEqual({ name: 'x' });
    expect(zUpdateKubernetesResource.parse({ name: 'x' })).toEqual({ name: 'x' });
    expect(zUpdateSshResource.safeParse({ projectId: ids.projectId }).success).toBe(false);
  });
});

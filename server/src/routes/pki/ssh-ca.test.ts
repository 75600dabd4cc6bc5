import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { parsePublicKeyLine } from '@postern/shared/ssh/keys';
import { auditLogs, certificateAuthorities } from '../../db/schema/index.ts';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { kubernetesResourceInput, seedPamWorld, sshResourceInput, type PamWorld } from '../../test/pam-fixtures.ts';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe("SSH CA endpoints: one CA per resource, public key only, project roles", () => {
  let server: TestServer;
  let world: PamWorld;
  let resourceId: string;
  let otherResourceId: string;
  let k8sId: string;
  const keyPath = (id: string) => `/api/v1/pam/resources/ssh/${id}/ssh-ca-public-key`;

  beforeAll(async () => {
    server = await createTestServer();
    world = await seedPamWorld(server);
    const admin = world.users.admin.token;
    resourceId = (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world), admin)).body.id;
    otherResourceId = (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world), admin)).body.id;
    k8sId = (await server.post('/api/v1/pam/resources/kubernetes', kubernetesResourceInput(world), admin)).body.id;
  });
  afterAll(() => server?.close());

  it('creates the CA on the first call (once, even when asked concurrently) and returns the same key after', async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => server.get(keyPath(resourceId), world.users.member.token)));
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([200]));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    const line = answers[0]!.text;
    expect(answers[0]!.headers.get('content-type')).toContain('text/plain');
    expect(line.endsWith('\n')).toBe(true);
    expect(parsePublicKeyLine(line.trim()).type).toBe('ssh-ed25519');
    expect((await server.get(keyPath(resourceId), world.users.admin.token)).text).toBe(line);
    const rows = await server.db.select().from(certificateAuthorities).where(eq(certificateAuthorities.resourceId, resourceId));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ scope: 'resource', kind: 'resource-ssh-user', orgId: world.a.org.id, certificatePem: null });
    const audit = await server.db.select().from(auditLogs).where(eq(auditLogs.targetId, rows[0]!.id));
    expect(audit.map((a) => a.action)).toEqual(['ca.create']);
  });

  it('each resource has its own CA', async () => {
    const a = (await server.get(keyPath(resourceId), world.users.member.token)).text;
    const b = (await server.get(keyPath(otherResourceId), world.users.member.token)).text;
    expect(a).not.toBe(b);
  });

  it.each([
    ['admin', 200], ['member', 200], ['auditor', 200], ['orgAdmin', 200], ['outsider', 404],
  ] as const)('project %s → %i for both endpoints', async (who, status) => {
    const token = world.users[who].token;
    expect((await server.get(keyPath(resourceId), token)).status).toBe(status);
    expect((await server.get(`/api/v1/pam/resources/ssh/${resourceId}/ssh-ca-setup`, token)).status).toBe(status);
  });

  it.each([
    ["org B's owner asks for org A's resource", () => world.b.owner.token, () => resourceId],
    ['an unknown resource', () => world.users.admin.token, () => UNKNOWN],
    ['a Kubernetes resource', () => world.users.admin.token, () => k8sId],
  ])('%s → 404 resource_not_found, no CA created', async (_label, tokenOf, idOf) => {
    const before = await server.tableCounts();
    for (const path of [keyPath(idOf()), `/api/v1/pam/resources/ssh/${idOf()}/ssh-ca-setup`]) {
      const res = await server.get(path, tokenOf());
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('resource_not_found');
    }
    expect(await server.tableCounts()).toEqual(before);
  });

  it('a malformed id → 400, no token → 401', async () => {
    expect((await server.get(keyPath('not-a-uuid'), world.users.admin.token)).status).toBe(400);
    expect((await server.get(keyPath(resourceId))).status).toBe(401);
  });

  it("the setup script embeds this resource's key and nothing secret", async () => {
    const script = (await server.get(`/api/v1/pam/resources/ssh/${resourceId}/ssh-ca-setup`, world.users.member.token)).text;
    const line = (await server.get(keyPath(resourceId), world.users.member.token)).text.trim();
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    expect(script).toContain(`CA_KEY='${line}'`);
    expect(script).toContain('-t -f "$SSHD_CONFIG"');
    for (const text of [...server.responses, ...server.logs]) expect(text).not.toContain('PRIVATE KEY');
  });
});

import { describe, expect, it } from 'vitest';
import { inferKubectlCommand, parseKubernetesRequest } from './request-info.ts';

const parse = (method: string, url: string) => {
  const parsed = new URL(url, 'http://k');
  return parseKubernetesRequest(method, parsed.pathname, parsed.searchParams);
};
const infer = (method: string, url: string, accept = '', header?: string) => {
  const parsed = new URL(url, 'http://k');
  return inferKubectlCommand(parseKubernetesRequest(method, parsed.pathname, parsed.searchParams), parsed.searchParams, accept, header);
};
const table = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

describe('Kubernetes request info (as the apiserver reads a path)', () => {
  it.each([
    ['GET', '/api/v1/namespaces/default/pods', { verb: 'list', namespace: 'default', resource: 'pods', apiGroup: '', apiVersion: 'v1' }],
    ['GET', '/api/v1/namespaces/default/pods?watch=true&resourceVersion=5', { verb: 'watch', resource: 'pods' }],
    ['GET', '/api/v1/namespaces/default/pods/web-1/log?follow=true', { verb: 'get', name: 'web-1', subresource: 'log' }],
    ['POST', '/api/v1/namespaces/ns/pods/web-1/exec?command=ls', { verb: 'create', subresource: 'exec', namespace: 'ns' }],
    ['GET', '/api/v1/namespaces', { verb: 'list', resource: 'namespaces' }],
    ['GET', '/api/v1/namespaces/payments', { verb: 'get', resource: 'namespaces', name: 'payments', namespace: 'payments' }],
    ['DELETE', '/apis/apps/v1/namespaces/default/deployments', { verb: 'deletecollection', apiGroup: 'apps', resource: 'deployments' }],
    ['PATCH', '/apis/apps/v1/namespaces/default/deployments/web/scale', { verb: 'patch', name: 'web', subresource: 'scale' }],
    ['GET', '/api/v1/nodes/node-1', { verb: 'get', resource: 'nodes', name: 'node-1' }],
    ['GET', '/api/v1/namespaces/a%2Fb/pods', { namespace: 'a/b' }],
  ])('%s %s', (method, url, expected) => {
    expect(parse(method, url)).toMatchObject({ isResourceRequest: true, ...expected });
  });

  it('cluster-scoped requests have no namespace', () => {
    expect(parse('GET', '/api/v1/namespaces')).not.toHaveProperty('namespace');
    expect(parse('GET', '/api/v1/nodes/node-1')).not.toHaveProperty('namespace');
  });

  it.each(['/api', '/apis', '/version', '/openapi/v3', '/healthz', '/apis/apps/v1'])('%s is not a resource request', (path) => {
    expect(parse('GET', path)).toMatchObject({ isResourceRequest: false, verb: 'get' });
  });
});

describe('inferred kubectl commands', () => {
  it.each([
    ['GET', '/api/v1/namespaces/default/pods?limit=500', table, 'kubectl get pods'],
    ['GET', '/api/v1/namespaces/default/pods/web-1', table, 'kubectl get pods web-1'],
    ['GET', '/api/v1/namespaces/default/pods/web-1', 'application/vnd.kubernetes.protobuf,application/json', 'kubectl describe pods web-1'],
    ['GET', '/api/v1/namespaces/default/pods/web-1', 'application/json', 'kubectl get pods web-1 -o json|yaml'],
    ['GET', '/api/v1/namespaces/default/pods?watch=true', table, 'kubectl get pods --watch'],
    ['GET', '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dweb-1', '', 'kubectl describe'],
    ['GET', '/api/v1/namespaces/default/pods/web-1/log?follow=true', '', 'kubectl logs web-1 -f'],
    ['GET', '/api/v1/namespaces/default/pods/web-1/exec?command=sh&command=-c&command=ls&stdin=true&tty=true', '', 'kubectl exec -i -t web-1 -- sh -c ls'],
    ['POST', '/api/v1/namespaces/default/pods/web-1/portforward', '', 'kubectl port-forward web-1'],
    ['POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', '', 'kubectl auth can-i'],
    ['DELETE', '/api/v1/namespaces/default/pods/web-1', '', 'kubectl delete pods web-1'],
    ['GET', '/api', '', undefined],
  ])('%s %s → %s', (method, url, accept, expected) => {
    expect(infer(method, url, accept)).toBe(expected);
  });

  it("keeps kubectl's own command word when the request belongs to another command's steps", () => {
    expect(infer('GET', '/api/v1/namespaces/default/pods/web-1', 'application/json', 'kubectl logs')).toBe('kubectl logs pods web-1');
    expect(infer('GET', '/api/v1/namespaces/default/pods?limit=500', table, 'kubectl get')).toBe('kubectl get pods');
  });
});

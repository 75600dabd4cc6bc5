/**
 * What a Kubernetes API request means, read from its method, path and query the way the
 * apiserver's RequestInfoFactory reads them, and the kubectl command most likely behind it.
 */
export interface KubernetesRequestInfo {
  /** Kubernetes verb: get, list, watch, create, update, patch, delete, deletecollection; the lowercase method for non-resource paths. */
  verb: string;
  isResourceRequest: boolean;
  apiGroup?: string;
  apiVersion?: string;
  namespace?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

const truthy = (value: string | null) => value === 'true' || value === '1';

function resourceVerb(method: string, name: string | undefined, query: URLSearchParams): string {
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (truthy(query.get('watch'))) return 'watch';
      return name ? 'get' : 'list';
    case 'POST': return 'create';
    case 'PUT': return 'update';
    case 'PATCH': return 'patch';
    case 'DELETE': return name ? 'delete' : 'deletecollection';
    default: return method.toLowerCase();
  }
}

/** `/api/v1/namespaces/ns/pods/name/log` → { verb: 'get', namespace: 'ns', resource: 'pods', name, subresource: 'log' }. */
export function parseKubernetesRequest(method: string, path: string, query: URLSearchParams): KubernetesRequestInfo {
  const parts = path.split('/').filter(Boolean).map((part) => decodeURIComponent(part));
  const upperMethod = method.toUpperCase();
  let rest: string[];
  let apiGroup: string;
  if (parts[0] === 'api' && parts.length >= 2) {
    apiGroup = '';
    rest = parts.slice(1);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    apiGroup = parts[1]!;
    rest = parts.slice(2);
  } else {
    return { verb: upperMethod.toLowerCase(), isResourceRequest: false };
  }
  const [apiVersion, ...resourceParts] = rest;
  if (resourceParts.length === 0) return { verb: upperMethod.toLowerCase(), isResourceRequest: false, apiGroup, apiVersion: apiVersion! };
  let namespace: string | undefined;
  let tail = resourceParts;
  // /namespaces/NAME is the namespace object itself; /namespaces/NAME/RESOURCE... is inside it.
  if (tail[0] === 'namespaces' && tail.length > 1) {
    namespace = tail[1]!;
    if (tail.length > 2) tail = tail.slice(2);
  }
  const [resource, name, subresource] = tail;
  return {
    verb: resourceVerb(upperMethod, name, query), isResourceRequest: true, apiGroup, apiVersion: apiVersion!,
    ...(namespace !== undefined ? { namespace } : {}), resource: resource!,
    ...(name !== undefined ? { name } : {}), ...(subresource !== undefined ? { subresource } : {}),
  };
}

/** kubectl get asks for a server-side Table; describe for protobuf objects; get -o json|yaml for plain JSON. */
function getStyleCommand(accept: string, resource: string, name: string | undefined): string {
  if (/as=Table/.test(accept)) return join('kubectl get', resource, name);
  if (/protobuf/.test(accept)) return join('kubectl describe', resource, name);
  return join('kubectl get', resource, name, '-o json|yaml');
}
const join = (...words: (string | undefined | false)[]) => words.filter(Boolean).join(' ');

function subresourceCommand(info: KubernetesRequestInfo, query: URLSearchParams): string | undefined {
  const { resource, name } = info;
  const target = resource === 'pods' ? name : `${resource}/${name}`;
  switch (info.subresource) {
    case 'log': return join('kubectl logs', target, truthy(query.get('follow')) && '-f');
    case 'exec': {
      const command = query.getAll('command');
      return join('kubectl exec', truthy(query.get('stdin')) && '-i', truthy(query.get('tty')) && '-t', target, command.length > 0 && `-- ${command.join(' ')}`);
    }
    case 'attach': return join('kubectl attach', target);
    case 'portforward': return join('kubectl port-forward', target, query.getAll('ports').join(' '));
    case 'scale': return join('kubectl scale', `${resource}/${name}`);
    default: return undefined;
  }
}

/**
 * kubectl's Kubectl-Command header names the command without its arguments (`kubectl get`), so
 * the command log also names it from the request: a best guess at the arguments that matter
 * (resource, name, -f, --watch, the exec'd command). Discovery belongs to no command of its own.
 */
export function inferKubectlCommand(info: KubernetesRequestInfo, query: URLSearchParams, accept: string, headerCommand?: string): string | undefined {
  const guess = guessCommand(info, query, accept);
  // kubectl said which command it runs: a request the guess puts under another command (the pod
  // lookup of `kubectl logs`) keeps kubectl's word, with the object it touched.
  if (guess && headerCommand && !guess.startsWith(headerCommand)) return join(headerCommand, info.resource, info.name);
  return guess;
}

function guessCommand(info: KubernetesRequestInfo, query: URLSearchParams, accept: string): string | undefined {
  if (!info.isResourceRequest || !info.resource) return undefined;
  if (info.subresource) return subresourceCommand(info, query);
  const { resource, name } = info;
  if (resource === 'selfsubjectaccessreviews' || resource === 'selfsubjectrulesreviews') return 'kubectl auth can-i';
  switch (info.verb) {
    case 'watch': return join('kubectl get', resource, name, '--watch');
    case 'list':
      if (resource === 'events' && query.get('fieldSelector')?.includes('involvedObject.name=')) return 'kubectl describe';
      return getStyleCommand(accept, resource, undefined);
    case 'get': return getStyleCommand(accept, resource, name);
    case 'create': return join('kubectl create', resource);
    case 'update': return join('kubectl replace', resource, name);
    case 'patch': return join('kubectl patch', resource, name);
    case 'delete':
    case 'deletecollection': return join('kubectl delete', resource, name);
    default: return undefined;
  }
}

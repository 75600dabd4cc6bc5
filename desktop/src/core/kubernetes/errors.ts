import { PosternError } from '@postern/shared/errors';

/** The local Kubernetes proxy could not take its port. */
export class LocalProxyListenError extends PosternError {
  constructor(host: string, port: number, cause: string) {
    super('local_proxy_listen_failed', 0, `Cannot listen on ${host}:${port} for the Kubernetes proxy (${cause}); choose another port with --port, or leave it out for a free one.`, { host, port, cause });
  }
}

/** A kubeconfig file that cannot be read as YAML or does not have a kubeconfig's shape. */
export class KubeconfigFileError extends PosternError {
  constructor(file: string, problem: string) {
    super('kubeconfig_invalid', 0, `The kubeconfig at ${file} cannot be used (${problem}); fix the file, or use Postern's own kubeconfig (leave out --merge).`, { file });
  }
}

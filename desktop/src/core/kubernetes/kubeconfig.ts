import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { isMap, isSeq, parseDocument, stringify, type Document, YAMLSeq } from 'yaml';
import { KubeconfigFileError } from './errors.ts';

/** One Postern cluster/user/context triple, all under the same name. The user holds no secret: the proxy adds the session's authority. */
export interface KubeconfigEntry {
  name: string;
  /** The local proxy's URL. */
  server: string;
  namespace?: string;
}

const sections = ['clusters', 'users', 'contexts'] as const;

/**
 * A merged context remembers the current context it replaced in a context extension, so the
 * removal gives it back even after a second merge of the same name, or from another process.
 */
const extensionName = 'postern.dev/previous-context';

function entryItems(entry: KubeconfigEntry, previousContext?: string) {
  const extensions = previousContext ? { extensions: [{ name: extensionName, extension: { context: previousContext } }] } : {};
  return {
    clusters: { name: entry.name, cluster: { server: entry.server } },
    users: { name: entry.name, user: {} },
    contexts: { name: entry.name, context: { cluster: entry.name, user: entry.name, ...(entry.namespace ? { namespace: entry.namespace } : {}), ...extensions } },
  };
}

function rememberedContext(document: Document, name: string): string | undefined {
  const contexts = document.get('contexts');
  if (!isSeq(contexts)) return undefined;
  const at = namedIndex(contexts, name);
  const extensions = at >= 0 ? document.getIn(['contexts', at, 'context', 'extensions']) : undefined;
  if (!isSeq(extensions)) return undefined;
  const ours = extensions.items.find((item) => isMap(item) && item.get('name') === extensionName);
  const context = isMap(ours) ? ours.getIn(['extension', 'context']) : undefined;
  return typeof context === 'string' ? context : undefined;
}

/** A kubeconfig holding only the Postern context, as YAML. */
export function buildKubeconfig(entry: KubeconfigEntry): string {
  const items = entryItems(entry);
  return stringify({
    apiVersion: 'v1', kind: 'Config', preferences: {},
    clusters: [items.clusters], users: [items.users], contexts: [items.contexts], 'current-context': entry.name,
  });
}

/**
 * Writes the session's own kubeconfig (0600) under the app's data dir; returns its path. The
 * file name carries the session (`fileStem`), so two sessions of one resource never share a file.
 */
export async function writeSessionKubeconfig(dataDir: string, entry: KubeconfigEntry, fileStem: string = entry.name): Promise<string> {
  const dir = join(dataDir, 'kube');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${fileStem}.yaml`);
  await writeFile(path, buildKubeconfig(entry), { mode: 0o600 });
  await chmod(path, 0o600);
  return path;
}

/** The kubeconfig kubectl would write to: the first file of KUBECONFIG, else ~/.kube/config. */
export function userKubeconfigPath(env: { KUBECONFIG?: string | undefined }, home: string = homedir()): string {
  const first = env.KUBECONFIG?.split(delimiter).find((part) => part.trim() !== '');
  return first ?? join(home, '.kube', 'config');
}

async function readDocument(path: string): Promise<{ document: Document; existed: boolean; mode: number }> {
  let text: string;
  let mode = 0o600;
  try {
    text = await readFile(path, 'utf8');
    mode = (await stat(path)).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new KubeconfigFileError(path, (error as Error).message);
    return { document: parseDocument('apiVersion: v1\nkind: Config\n'), existed: false, mode };
  }
  const document = parseDocument(text.trim() === '' ? 'apiVersion: v1\nkind: Config\n' : text);
  if (document.errors.length > 0) throw new KubeconfigFileError(path, document.errors[0]!.message);
  if (!isMap(document.contents)) throw new KubeconfigFileError(path, 'it is not a YAML mapping');
  for (const section of sections) {
    const value = document.get(section);
    if (value !== undefined && value !== null && !isSeq(value)) throw new KubeconfigFileError(path, `"${section}" is not a list`);
  }
  return { document, existed: true, mode };
}

/** Replaced by writing a sibling and renaming it, so kubectl never reads half a file. */
async function writeDocument(path: string, document: Document, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.postern-${process.pid}.tmp`;
  // Flow collections as people write them by hand ({a: 1}, [x, y]), not yaml's padded default.
  await writeFile(temporary, document.toString({ flowCollectionPadding: false }), { mode });
  await rename(temporary, path);
}

function namedIndex(seq: YAMLSeq, name: string): number {
  return seq.items.findIndex((item) => isMap(item) && item.get('name') === name);
}

function sectionSeq(document: Document, section: string): YAMLSeq {
  const existing = document.get(section);
  if (isSeq(existing)) return existing;
  const created = new YAMLSeq();
  document.set(section, created);
  return created;
}

export interface MergedKubeconfig {
  path: string;
  contextName: string;
  /** Takes the Postern entries out again, and gives back the current context if it is still Postern's. */
  remove(): Promise<void>;
}

/**
 * Adds (or replaces) the named cluster, user and context in the user's kubeconfig and makes it
 * the current context. Everything else in the file, comments included, is left as it was:
 * the file is edited as a YAML document, not re-serialized from data.
 */
export async function mergeKubeconfig(path: string, entry: KubeconfigEntry): Promise<MergedKubeconfig> {
  const { document, existed, mode } = await readDocument(path);
  const current = document.get('current-context');
  const previousContext = typeof current === 'string' && current !== entry.name ? current : rememberedContext(document, entry.name);
  const items = entryItems(entry, previousContext);
  for (const section of sections) {
    const seq = sectionSeq(document, section);
    const node = document.createNode(items[section]);
    const at = namedIndex(seq, entry.name);
    if (at >= 0) seq.items[at] = node;
    else seq.items.push(node);
  }
  document.set('current-context', entry.name);
  await writeDocument(path, document, mode);
  return { path, contextName: entry.name, remove: () => unmergeKubeconfig(path, entry, existed) };
}

async function unmergeKubeconfig(path: string, entry: KubeconfigEntry, existed: boolean): Promise<void> {
  const { document, existed: stillThere, mode } = await readDocument(path);
  if (!stillThere) return;
  const clusters = document.get('clusters');
  // Another session of the same resource may have taken the name since: its entries stay.
  const cluster = isSeq(clusters) ? clusters.items.find((item) => isMap(item) && item.get('name') === entry.name) : undefined;
  if (isMap(cluster) && document.getIn(['clusters', (clusters as YAMLSeq).items.indexOf(cluster), 'cluster', 'server']) !== entry.server) return;
  const previousContext = rememberedContext(document, entry.name);
  for (const section of sections) {
    const seq = document.get(section);
    if (!isSeq(seq)) continue;
    const at = namedIndex(seq, entry.name);
    if (at >= 0) seq.items.splice(at, 1);
  }
  if (document.get('current-context') === entry.name) {
    if (previousContext) document.set('current-context', previousContext);
    else document.delete('current-context');
  }
  const empty = sections.every((section) => { const seq = document.get(section); return !isSeq(seq) || seq.items.length === 0; });
  if (!existed && empty) return rm(path, { force: true });
  await writeDocument(path, document, mode);
}

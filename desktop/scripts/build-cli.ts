import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Rollup } from 'vite';

/**
 * Builds the `postern` command into one ESM file, desktop/dist/cli/postern.mjs, so the command
 * starts without transpiling TypeScript (tsx costs ~300 ms per start; see docs/architecture.md
 * "CLI start-up"). bin/postern.js runs the bundle when it is newer than every source file it
 * was built from (listed in sources.json beside it) and falls back to the source otherwise.
 *
 * Everything is bundled (our code, @postern/shared, ssh2, commander, zod, yaml, ws): loading
 * ssh2 file by file from node_modules alone cost ~100 ms. Native addons stay in node_modules
 * (ssh2's crypto binding is required by its installed path), and so does node-pty.
 */

const desktopDir = fileURLToPath(new URL('..', import.meta.url));
export const CLI_BUNDLE_DIR = join(desktopDir, 'dist', 'cli');
const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];
const EXTERNAL_PACKAGES = ['node-pty', 'cpu-features', 'electron', 'bufferutil', 'utf-8-validate'];

/**
 * CommonJS packages inside an ESM bundle still call require() (built-ins, native addons) and read
 * __dirname (ssh2's agent module, for a Windows-only helper path it builds at load).
 */
const CJS_SHIM = [
  "import { createRequire as __posternCreateRequire } from 'node:module';",
  "import { dirname as __posternDirname } from 'node:path';",
  "import { fileURLToPath as __posternFileUrlToPath } from 'node:url';",
  'const require = __posternCreateRequire(import.meta.url);',
  'const __filename = __posternFileUrlToPath(import.meta.url);',
  'const __dirname = __posternDirname(__filename);',
  'const __posternRequireNative = (path) => require(path);',
].join(' ');

/**
 * A native addon cannot live inside a bundle: its require becomes one to the installed file, by a
 * path relative to the bundle (the bundle is built in place, beside the node_modules it came from).
 */
function nativeAddonsFromNodeModules(outDir: string) {
  return {
    name: 'native-addons-from-node-modules',
    load(id: string) {
      if (!id.endsWith('.node')) return undefined;
      return `module.exports = __posternRequireNative(${JSON.stringify(`./${relative(outDir, id)}`)});`;
    },
  };
}

export async function buildCli(outDir = CLI_BUNDLE_DIR): Promise<{ file: string; sources: string[] }> {
  // Built beside the target and renamed in, so a `postern` started meanwhile never sees half a file.
  // Minified: V8 parses every loaded chunk at start, and comments and whitespace were ~10% of the CPU.
  const staging = `${outDir}.building-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const output = await build({
    configFile: false, root: desktopDir, logLevel: 'warn',
    ssr: { noExternal: true, target: 'node' },
    plugins: [nativeAddonsFromNodeModules(outDir)],
    build: {
      ssr: 'src/cli/main.ts', outDir: staging, emptyOutDir: true, target: 'node20', minify: true, sourcemap: true,
      rollupOptions: {
        external: (id) => nodeBuiltins.includes(id) || EXTERNAL_PACKAGES.some((name) => id === name || id.startsWith(`${name}/`)),
        output: { format: 'es', entryFileNames: 'postern.mjs', chunkFileNames: '[name].mjs', banner: CJS_SHIM },
      },
    },
  }) as Rollup.RollupOutput | Rollup.RollupOutput[];
  const sources = sourcesOf(Array.isArray(output) ? output : [output], outDir);
  writeFileSync(join(staging, 'sources.json'), `${JSON.stringify(sources, null, 1)}\n`);
  mkdirSync(join(outDir, '..'), { recursive: true });
  rmSync(outDir, { recursive: true, force: true });
  renameSync(staging, outDir);
  return { file: join(outDir, 'postern.mjs'), sources };
}

/** Packages patch-package changes (patches/<name>+<version>.patch): a bundle built before the patch was applied is stale. */
function patchedPackages(): string[] {
  const patches = join(desktopDir, '..', 'patches');
  return existsSync(patches) ? readdirSync(patches).filter((file) => file.endsWith('.patch')).map((file) => file.slice(0, file.lastIndexOf('+'))) : [];
}

/**
 * The files bin/postern.js checks the bundle against, relative to the bundle's folder: our own
 * sources and the patched packages' files. Other node_modules change only with npm install, which rebuilds.
 */
function sourcesOf(outputs: Rollup.RollupOutput[], outDir: string): string[] {
  const patched = patchedPackages().map((name) => `/node_modules/${name}/`);
  const files = new Set<string>();
  for (const { output } of outputs) {
    for (const chunk of output) {
      if (chunk.type !== 'chunk') continue;
      for (const id of Object.keys(chunk.modules)) {
        const file = id.split('?')[0]!;
        if (file.startsWith('\0')) continue;
        if (!file.includes('/node_modules/') || patched.some((prefix) => file.includes(prefix))) files.add(relative(outDir, file));
      }
    }
  }
  return [...files].sort();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  const { file, sources } = await buildCli();
  console.log(`postern CLI bundle: ${relative(process.cwd(), file)} (${sources.length} source files, ${Math.round(performance.now() - started)} ms)`);
}

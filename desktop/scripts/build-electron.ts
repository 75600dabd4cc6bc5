import { fileURLToPath } from 'node:url';
import { builtinModules } from 'node:module';
import { build } from 'vite';

/**
 * Builds the Electron app into desktop/out: main (ESM, Node), preload (one CommonJS file: a
 * sandboxed preload cannot load modules or ESM), and the renderer (vite.config.ts). Everything but
 * `electron` and Node built-ins is bundled, so the packaged app needs no node_modules.
 */

const desktopDir = fileURLToPath(new URL('..', import.meta.url));
const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];

/**
 * Native addons cannot be bundled into one file. The ones the main process can reach (ssh2's
 * optional crypto binding and cpu-features) are loaded in try/catch with a pure-JS fallback, so
 * in the bundle they become modules that throw, and ssh2 takes its fallback.
 */
const nativeAddonsAsMissing = {
  name: 'native-addons-as-missing',
  load(id: string) {
    return id.endsWith('.node') ? 'throw new Error("native addon not bundled");' : undefined;
  },
};

export async function buildElectron(outDir = `${desktopDir}/out`): Promise<void> {
  await build({
    configFile: false, root: desktopDir, logLevel: 'warn',
    ssr: { noExternal: true, target: 'node' },
    plugins: [nativeAddonsAsMissing],
    build: {
      ssr: 'src/main/main.ts', outDir: `${outDir}/main`, emptyOutDir: true, target: 'node20', minify: false,
      rollupOptions: { external: ['electron', ...nodeBuiltins], output: { format: 'es', entryFileNames: 'main.js' } },
    },
  });
  await build({
    configFile: false, root: desktopDir, logLevel: 'warn',
    ssr: { noExternal: true, target: 'node' },
    build: {
      ssr: 'src/preload/preload.ts', outDir: `${outDir}/preload`, emptyOutDir: true, target: 'node20', minify: false,
      rollupOptions: { external: ['electron'], output: { format: 'cjs', entryFileNames: 'preload.cjs' } },
    },
  });
  await build({ configFile: `${desktopDir}/vite.config.ts`, mode: 'production', build: { outDir: `${outDir}/renderer` } });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildElectron();

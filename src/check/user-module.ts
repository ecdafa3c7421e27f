// Imports a module of the user's (an `--app` config, in the CLI or in a worker thread). It is usually
// TypeScript, so tsx's loaders are registered first, once per thread and only then: registering
// them costs about 0.45 s, which every start paid while paysim itself needed tsx to run.

import { pathToFileURL } from 'node:url';

let registered: Promise<void> | undefined;

export async function importUserModule(path: string): Promise<unknown> {
  registered ??= registerTypeScript();
  await registered;
  return withDefaultExport((await import(pathToFileURL(path).href)) as Record<string, unknown>);
}

async function registerTypeScript(): Promise<void> {
  // A .ts file in a package without "type": "module" (what `npm init` makes) is CommonJS to Node:
  // tsx's require hook reads it.
  (await import('tsx/cjs/api')).register();
  // Running from the TypeScript sources, an import hook that reads TypeScript is already in place
  // (tsx from bin/paysim.js, or vitest's).
  if (!import.meta.url.endsWith('.ts')) (await import('tsx/esm/api')).register();
}

/**
 * Runs `load` and names the environment variables your own code read meanwhile, set or not (names
 * only: values may be secrets). A config that plants a bug from a variable replays only with the
 * same one. Reads by packages (node_modules) and by Node itself are theirs, not the config's.
 */
export async function readingEnvironment<T>(load: () => Promise<T>): Promise<{ value: T; read: string[] }> {
  const read = new Set<string>();
  const env = process.env;
  process.env = new Proxy(env, {
    get(target, key) {
      if (typeof key === 'string' && !read.has(key) && readByOwnCode()) read.add(key);
      return Reflect.get(target, key);
    },
  });
  try {
    return { value: await load(), read: [...read].sort() };
  } finally {
    process.env = env;
  }
}

/** Whether the code reading `process.env` now (two frames up: past this and the trap) is yours. */
function readByOwnCode(): boolean {
  const caller = new Error().stack?.split('\n')[3] ?? '';
  return !/node_modules|node:|\(native\)/.test(caller) && caller.includes('/');
}

/** A CommonJS module's `export default` arrives one level down (`default.default`) through `import()`. */
function withDefaultExport(module: Record<string, unknown>): Record<string, unknown> {
  const exports = module.default as Record<string, unknown> | undefined;
  if (typeof exports !== 'object' || exports === null || !('default' in exports)) return module;
  const onlyDefault = Object.keys(exports).every((key) => key === 'default' || key === '__esModule');
  return exports.__esModule === true || onlyDefault ? { ...module, default: exports.default } : module;
}

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

/** Read by libraries and terminals everywhere: not what makes one run of a config differ from another. */
const ambient = new Set([
  'CI',
  'COLORTERM',
  'DEBUG',
  'FORCE_COLOR',
  'HOME',
  'LANG',
  'LC_ALL',
  'NODE_DEBUG',
  'NO_COLOR',
  'PATH',
  'PWD',
  'SHELL',
  'TERM',
  'TMPDIR',
  'USER',
]);

/**
 * Runs `load` and names the environment variables read meanwhile that are set (names only: values
 * may be secrets). A config that plants a bug from a variable replays only with the same one set.
 */
export async function readingEnvironment<T>(load: () => Promise<T>): Promise<{ value: T; read: string[] }> {
  const read = new Set<string>();
  const env = process.env;
  process.env = new Proxy(env, {
    get(target, key) {
      if (typeof key === 'string' && target[key] !== undefined && !ambient.has(key)) read.add(key);
      return Reflect.get(target, key);
    },
  });
  try {
    return { value: await load(), read: [...read].sort() };
  } finally {
    process.env = env;
  }
}

/** A CommonJS module's `export default` arrives one level down (`default.default`) through `import()`. */
function withDefaultExport(module: Record<string, unknown>): Record<string, unknown> {
  const exports = module.default as Record<string, unknown> | undefined;
  if (typeof exports !== 'object' || exports === null || !('default' in exports)) return module;
  const onlyDefault = Object.keys(exports).every((key) => key === 'default' || key === '__esModule');
  return exports.__esModule === true || onlyDefault ? { ...module, default: exports.default } : module;
}

// Imports a module of the user's (an `--app` config, in the CLI or in a worker thread). It is usually
// TypeScript, so tsx's loader is registered first, once per thread and only then: registering it
// costs about 0.45 s, which every start paid while paysim itself needed tsx to run.

import { pathToFileURL } from 'node:url';

let registered: Promise<void> | undefined;

export async function importUserModule(path: string): Promise<unknown> {
  registered ??= registerTypeScript();
  await registered;
  return import(pathToFileURL(path).href);
}

async function registerTypeScript(): Promise<void> {
  // Running from the TypeScript sources, a loader that reads TypeScript is already in place (tsx
  // from bin/paysim.js, or vitest's).
  if (import.meta.url.endsWith('.ts')) return;
  const { register } = await import('tsx/esm/api');
  register();
}

#!/usr/bin/env node
// Runs the CLI from dist/ when `npm run build` (also run by `npm ci`) is up to date with src/, else
// from the TypeScript sources through tsx, so `npx paysim` works right after a clone and never runs
// a stale build (bin/entry.js). PAYSIM_FROM_SOURCE=1 forces the sources; PAYSIM_DEBUG_ENTRY=1
// prints the module that runs on stderr.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cliEntry } from './entry.js';

const entry = cliEntry(fileURLToPath(new URL('..', import.meta.url)));
if (process.env.PAYSIM_DEBUG_ENTRY) process.stderr.write(`paysim: running ${entry}\n`);
// Only the sources need tsx here (registering it takes about 0.45 s); compiled, paysim registers it
// when it imports an `--app` config.
if (entry.endsWith('.ts')) (await import('tsx/esm/api')).register();
await import(pathToFileURL(entry).href);

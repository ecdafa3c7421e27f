// One thread of a search pool: rebuilds a search from plain data (and, for `--app`, by importing
// the config module itself), runs the indices it claims, and answers when none is left.

import { fileURLToPath } from 'node:url';
import { parentPort } from 'node:worker_threads';
import { closeSqlDatabases } from '../adapters/sql-engine.ts';
import type { ErrorKind } from './error-tally.ts';
import { type SearchSettings, type Services, searchIndices } from './indexed-search.ts';
import { importUserModule } from './user-module.ts';

export interface SearchRequest {
  readonly kind: 'search';
  readonly settings: SearchSettings;
  readonly state: Int32Array;
}

export type WorkerReply =
  | { readonly kind: 'done'; readonly handlerErrors: readonly ErrorKind[] }
  | { readonly kind: 'error'; readonly message: string };

const port = parentPort;
if (port === null) throw new Error('pool-worker.ts runs in a worker thread');
// Workers load what the main thread runs (dist/ or src/, see pool.ts); bin/paysim.js prints its own.
if (process.env.PAYSIM_DEBUG_ENTRY) {
  process.stderr.write(`paysim worker: running ${fileURLToPath(import.meta.url)}\n`);
}

const apps = new Map<string, Promise<Services>>();

async function servicesOf(module: string | undefined): Promise<Services> {
  if (module === undefined) return {};
  let loading = apps.get(module);
  if (loading === undefined) {
    loading = importUserModule(module).then((m) => ({
      paymentCenter: (m as { default?: Services }).default?.paymentCenter,
      businessApp: (m as { default?: Services }).default?.businessApp,
    }));
    apps.set(module, loading);
  }
  return loading;
}

port.on('message', async (request: SearchRequest) => {
  let reply: WorkerReply;
  try {
    const services = await servicesOf(request.settings.appModule);
    const handlerErrors = await searchIndices(request.settings, request.state, services);
    reply = { kind: 'done', handlerErrors };
  } catch (error) {
    reply = {
      kind: 'error',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    };
  } finally {
    await closeSqlDatabases().catch(() => {});
  }
  port.postMessage(reply);
});

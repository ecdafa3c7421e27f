// `--app ./paysim.config.ts`: a team's own services, plugged in where the models would be. The file
// default-exports a `PaysimConfig`; loading it runs the team's module, so every way it can fail is
// turned into a message that names the file (and the field), never a stack trace.

import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { factoryProblem } from '../adapters/factory-check.ts';
import type { BusinessAppFactory, PaymentCenterFactory } from '../check/simulate.ts';
import { importUserModule, readingEnvironment } from '../check/user-module.ts';
import { suggest } from '../designs/load-design.ts';
import { type ServiceName, services } from '../designs/variants.ts';
import { UsageError } from './usage-error.ts';

/** What a `paysim.config.ts` default-exports: the design to check, and the services of your own. */
export interface PaysimConfig {
  /** The design spec to check against, unless `--design` says otherwise (default: hardened). */
  readonly design?: string;
  /** Your payment center, e.g. `asyncPaymentCenter((ports) => new OurPaymentCenter(ports))`. */
  readonly paymentCenter?: PaymentCenterFactory;
  /** Your order service, e.g. `asyncBusinessApp((ports) => new OurOrderService(ports), { project })`. */
  readonly businessApp?: BusinessAppFactory;
  /**
   * Error classes your code throws on purpose to fail a request (`['BusyError']`: reject a result so
   * that it comes again), which `check` then does not list among the errors of your code.
   */
  readonly expectedErrors?: readonly string[];
}

export interface LoadedApp extends PaysimConfig {
  /** The path as given, for the replay line. */
  readonly file: string;
  /** The services it puts in place of the models. */
  readonly yours: readonly ServiceName[];
  /** The environment variables its own code read as it loaded, set or not, by name: a replay needs the same. */
  readonly environment: readonly string[];
}

export async function loadApp(file: string): Promise<LoadedApp> {
  const path = resolve(file);
  try {
    await access(path);
  } catch {
    throw new UsageError(`--app ${file}: no such file`);
  }
  let loaded: { default?: unknown };
  let environment: string[];
  try {
    const imported = await readingEnvironment(() => importUserModule(path));
    loaded = imported.value as { default?: unknown };
    environment = imported.read;
  } catch (error) {
    throw new UsageError(`--app ${file}: the module failed to load: ${loadFailure(error)}`);
  }
  const config = loaded.default;
  if (typeof config !== 'object' || config === null) {
    // `export const config = { … }` is the usual slip: say which named export could be meant.
    const named = Object.keys(loaded).filter((k) => k !== 'default');
    const hint =
      config === undefined && named.length > 0
        ? ` (its named exports: ${named.join(', ')}; export the config as default)`
        : '';
    throw new UsageError(
      `--app ${file}: expected a default export of { design?, paymentCenter?, businessApp?, expectedErrors? }, got ${config === null ? 'null' : typeof config}${hint}`,
    );
  }
  const c = config as Record<string, unknown>;
  const known = ['design', 'paymentCenter', 'businessApp', 'expectedErrors'];
  const unknown = Object.keys(c).filter((k) => !known.includes(k));
  if (unknown.length > 0)
    throw new UsageError(
      `--app ${file}: unknown field ${unknown.map((k) => `${k}${suggest(k, known)}`).join(', ')}; the fields are ${known.join(', ')}`,
    );
  if (c.design !== undefined && typeof c.design !== 'string')
    throw new UsageError(
      `--app ${file}: design: expected a design spec such as "hardened", got ${typeof c.design}`,
    );
  if (
    c.expectedErrors !== undefined &&
    !(Array.isArray(c.expectedErrors) && c.expectedErrors.every((name) => typeof name === 'string'))
  )
    throw new UsageError(
      `--app ${file}: expectedErrors: expected a list of error class names such as ["BusyError"], got ${JSON.stringify(c.expectedErrors)}`,
    );
  for (const field of services) {
    const problem = c[field] === undefined ? undefined : factoryProblem(field, c[field]);
    if (problem !== undefined) throw new UsageError(`--app ${file}: ${problem}`);
  }
  if (c.paymentCenter === undefined && c.businessApp === undefined)
    throw new UsageError(`--app ${file}: names neither a paymentCenter nor a businessApp of your own`);
  return {
    ...(c as PaysimConfig),
    file,
    yours: services.filter((role) => c[role] !== undefined),
    environment,
  };
}

/** Why a config failed to load, in one line: a syntax error with where it is, or the error's first line. */
function loadFailure(error: unknown): string {
  const lines = (error instanceof Error ? error.message : String(error)).split('\n');
  // tsx reports a syntax error as "Transform failed with 1 error:", then where and what.
  return /^Transform failed/.test(lines[0] ?? '') && lines[1] !== undefined ? lines[1] : (lines[0] ?? '');
}

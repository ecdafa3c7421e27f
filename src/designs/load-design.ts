// Loads a design written by a user: a JSON object that may extend a preset and override any
// mitigation or timing. Every unknown or invalid field is reported with its JSON path and what was
// expected, never as a stack trace.

import { readFile } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { closest, distance } from 'fastest-levenshtein';
import { z } from 'zod';
import { fileProblem } from '../domain/file-problem.ts';
import { writeGuards } from '../kernel/machine-host.ts';
import { type Deployment, type Design, type ProviderName, providerNames } from './design.ts';
import { presets } from './presets.ts';

const ms = z
  .number({ error: 'expected a number of milliseconds' })
  .int('expected a whole number of milliseconds')
  .nonnegative('expected 0 or more milliseconds');
/** A duration that must be more than 0 (a timer of 0 would fire forever). */
const positiveMs = z
  .number({ error: 'expected a number of milliseconds' })
  .int('expected a whole number of milliseconds')
  .positive('expected more than 0 milliseconds');
const count = z
  .number({ error: 'expected a count' })
  .int('expected a whole number')
  .positive('expected 1 or more');
const flag = z.boolean({ error: 'expected true or false' });

/** The parameters of each parametrised mitigation: one place for the JSON schema and `name.field=value`. */
const mitigationParams = {
  timeoutQuery: {
    afterMs: ms,
    intervalsMs: z
      .array(ms, { error: 'expected a list of milliseconds' })
      .min(1, 'expected at least one interval'),
  },
  forwardRetry: { attempts: count, intervalMs: ms },
  appQuery: { afterMs: ms, intervalMs: ms, attempts: count },
  dedupe: {
    mode: z.enum(['check-then-set', 'set-nx'], { error: 'expected "check-then-set" or "set-nx"' }),
    ttlMs: positiveMs,
  },
  reconciliation: { afterMs: ms },
  watchProcessing: { intervalMs: positiveMs },
} satisfies Record<string, z.ZodRawShape>;
type ParametrisedMitigation = keyof typeof mitigationParams;

/**
 * A parametrised mitigation: false (off), true (on with the base design's or hardened's
 * parameters), or some parameters, the rest taken from the same place.
 */
const params = <T extends z.ZodRawShape>(shape: T) =>
  z.union([z.literal(false), z.literal(true), z.strictObject(shape).partial()], {
    error: 'expected false, true or an object of parameters',
  });

const timingSchema = z
  .strictObject(
    {
      orderTimeoutMs: positiveMs,
      requestTimeoutMs: positiveMs,
      requestAttempts: count,
      paidWithinMs: positiveMs,
      closeRetryMaxMs: ms,
      tradeExpiresAfterMs: positiveMs,
    },
    { error: 'expected an object of durations, e.g. { "orderTimeoutMs": 900000 }' },
  )
  .partial();

const mitigationsSchema = z
  .strictObject(
    {
      payingLock: flag,
      timeoutQuery: params(mitigationParams.timeoutQuery),
      forwardRetry: params(mitigationParams.forwardRetry),
      idempotentNotify: flag,
      appQuery: params(mitigationParams.appQuery),
      dedupe: params(mitigationParams.dedupe),
      verifyNotifications: flag,
      closeBeforeGiveUp: flag,
      refundUnmatched: flag,
      outbox: flag,
      recoveryJob: flag,
      idempotentConsumer: flag,
      dbUniqueGuard: flag,
      reconciliation: params(mitigationParams.reconciliation),
      monotoneState: flag,
      giveUpWithOrder: flag,
      checkNotifyStatus: flag,
      renewClosedRefunds: flag,
      watchProcessing: params(mitigationParams.watchProcessing),
    },
    { error: 'expected an object of mitigations, e.g. { "payingLock": true }' },
  )
  .partial();

const deploymentSchema = z
  .strictObject(
    {
      replicas: count.max(8, 'expected at most 8 instances'),
      writes: z.enum(writeGuards as [string, ...string[]], {
        error: `expected one of ${writeGuards.map((g) => `"${g}"`).join(', ')}`,
      }),
    },
    {
      error:
        'expected an object with replicas and/or writes, e.g. { "replicas": 2, "writes": "conditional" }',
    },
  )
  .partial();

const designSchema = z.strictObject(
  {
    name: z.string({ error: 'expected a string' }).min(1, 'expected a non-empty name').optional(),
    description: z.string({ error: 'expected a string' }).optional(),
    extends: z
      .enum(Object.keys(presets) as [string, ...string[]], {
        error: `expected one of ${Object.keys(presets)
          .map((name) => `"${name}"`)
          .join(', ')}`,
      })
      .optional(),
    provider: z
      .enum(['wechat', 'alipay', 'stripe'], { error: 'expected "wechat", "alipay" or "stripe"' })
      .optional(),
    forwarding: z.enum(['direct', 'mq'], { error: 'expected "direct" or "mq"' }).optional(),
    mitigations: mitigationsSchema.optional(),
    timing: timingSchema.optional(),
    paymentCenter: deploymentSchema.optional(),
    businessApp: deploymentSchema.optional(),
  },
  { error: 'expected a JSON object, e.g. { "extends": "seed", "provider": "alipay" }' },
);

export class DesignError extends Error {}

/** Validates a parsed JSON value as a design; `source` names the file in messages. */
export function parseDesign(value: unknown, source = 'design'): Design {
  const parsed = designSchema.safeParse(value);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${describeIssue(issue, value)}`);
    throw new DesignError(`${source} is not a valid design:\n${lines.join('\n')}`);
  }
  const d = parsed.data;
  const base = presets[d.extends ?? 'naive'] as Design;
  const mitigations = { ...base.mitigations };
  for (const [name, setting] of Object.entries(d.mitigations ?? {})) {
    // `true` takes the parameters of the base design, or of hardened if the base has it off; a
    // partial object takes the missing ones from the same place.
    const fallback = baseParams(base, name as keyof Design['mitigations']);
    (mitigations as Record<string, unknown>)[name] =
      setting === true
        ? fallback
        : typeof setting === 'object'
          ? { ...(fallback as object), ...setting }
          : setting;
  }
  // Without a name, a design is named after its file.
  const name = d.name ?? basename(source).replace(/\.json$/, '');
  return {
    name,
    description: d.description ?? `${name} (from ${source})`,
    provider: d.provider ?? base.provider,
    forwarding: d.forwarding ?? base.forwarding,
    mitigations,
    timing: { ...base.timing, ...d.timing },
    paymentCenter: { ...base.paymentCenter, ...d.paymentCenter } as Deployment,
    businessApp: { ...base.businessApp, ...d.businessApp } as Deployment,
  };
}

/** A mitigation's parameters in `base`, or hardened's when `base` has it off: the ones proved with. */
function baseParams(base: Design, name: keyof Design['mitigations']): Design['mitigations'][typeof name] {
  return (
    base.mitigations[name] || (presets.hardened?.mitigations[name] as Design['mitigations'][typeof name])
  );
}

export async function loadDesignFile(path: string): Promise<Design> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new DesignError(`design file ${path} ${fileProblem(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DesignError(`design file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseDesign(json, path);
}

/**
 * A design spec: a preset or a JSON file, optionally followed by comma-separated changes:
 * `provider=alipay`, `forwarding=direct`, `-payingLock` (that mitigation off). Every design paysim
 * derives is named by its spec, so a printed replay line names exactly the design that ran.
 */
export async function resolveDesign(spec: string, relativeTo?: string): Promise<Design> {
  const [base = '', ...changes] = spec.split(',').map((s) => s.trim());
  // A design file named in a saved story is relative to the story file, not to where paysim runs.
  const path =
    relativeTo !== undefined && base.endsWith('.json') && !isAbsolute(base) ? join(relativeTo, base) : base;
  let design = await resolveBase(path).catch((error: unknown) => {
    if (path === base || !(error instanceof DesignError)) throw error;
    throw new DesignError(`${error.message} (the story names ${base}, read from the story file's folder)`);
  });
  for (const change of changes) {
    if (change === '')
      throw new DesignError(`design spec "${spec}" has an empty change between its commas (a stray comma?)`);
    design = applyChange(design, change);
  }
  // The description was written for the base; say what the spec changed.
  const description =
    changes.length > 0
      ? `${design.description.replace(/([^.])$/, '$1.')} Changed: ${changes.join(', ')}.`
      : design.description;
  return { ...design, name: spec, description };
}

async function resolveBase(nameOrPath: string): Promise<Design> {
  const preset = presets[nameOrPath];
  if (preset) return preset;
  if (!nameOrPath.endsWith('.json')) {
    throw new DesignError(
      `unknown design "${nameOrPath}"${suggest(nameOrPath, Object.keys(presets))}; give a preset (${Object.keys(presets).join(', ')}) or a .json file`,
    );
  }
  return loadDesignFile(nameOrPath);
}

function applyChange(design: Design, change: string): Design {
  const mitigations = Object.keys(design.mitigations);
  if (change.startsWith('+')) {
    // On with hardened's parameters: the ones the preset proved with.
    const name = change.slice(1);
    const setting = presets.hardened?.mitigations[name as keyof Design['mitigations']];
    if (setting === undefined)
      throw new DesignError(
        `design change "${change}": unknown mitigation "${name}"${suggest(name, mitigations)}`,
      );
    return { ...design, mitigations: { ...design.mitigations, [name]: setting } };
  }
  if (change.startsWith('-')) {
    const name = change.slice(1);
    if (!mitigations.includes(name))
      throw new DesignError(
        `design change "${change}": unknown mitigation "${name}"${suggest(name, mitigations)}`,
      );
    return { ...design, mitigations: { ...design.mitigations, [name]: false } };
  }
  const [key, value] = change.split('=');
  if (key === 'provider') {
    if ((providerNames as readonly string[]).includes(value ?? ''))
      return { ...design, provider: value as ProviderName };
    throw new DesignError(
      `design change "${change}": provider expects one of ${providerNames.join(', ')}, got "${value ?? ''}"${suggest(value ?? '', [...providerNames])}`,
    );
  }
  if (key === 'forwarding' && value !== 'direct' && value !== 'mq')
    throw new DesignError(`design change "${change}": forwarding expects direct or mq, got "${value ?? ''}"`);
  if (key === 'forwarding' && (value === 'direct' || value === 'mq')) return { ...design, forwarding: value };
  const deployment = deploymentChange(design, change, key ?? '', value ?? '');
  if (deployment !== undefined) return deployment;
  const parameter = parameterChange(design, change, key ?? '', value);
  if (parameter !== undefined) return parameter;
  const keys = ['provider', 'forwarding', 'replicas', 'writes'].flatMap((k) =>
    k === 'replicas' || k === 'writes' ? [k, `paymentCenter.${k}`, `businessApp.${k}`] : [k],
  );
  throw new DesignError(
    `design change "${change}"${key === undefined || keys.includes(key) ? '' : suggest(key, keys)} is not one of provider=wechat|alipay|stripe, forwarding=direct|mq, +<mitigation>, -<mitigation>, [paymentCenter.|businessApp.]replicas=N, [paymentCenter.|businessApp.]writes=${writeGuards.join('|')}, <mitigation>.<parameter>=<value>, timing.<field>=<ms> (e.g. hardened,provider=alipay,-payingLock,replicas=2,timeoutQuery.afterMs=60000)`,
  );
}

/** `replicas=2`, `writes=plain` (both services) or `paymentCenter.writes=plain` (one of them). */
function deploymentChange(design: Design, change: string, key: string, value: string): Design | undefined {
  const m = /^(?:(paymentCenter|businessApp)\.)?(replicas|writes)$/.exec(key);
  if (m === null) return undefined;
  const services =
    m[1] === undefined
      ? (['paymentCenter', 'businessApp'] as const)
      : [m[1] as 'paymentCenter' | 'businessApp'];
  let setting: Partial<Deployment>;
  if (m[2] === 'replicas') {
    const replicas = Number(value);
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 8)
      throw new DesignError(`design change "${change}": expected a whole number of instances from 1 to 8`);
    setting = { replicas };
  } else {
    if (!(writeGuards as readonly string[]).includes(value))
      throw new DesignError(
        `design change "${change}": expected one of ${writeGuards.join(', ')}${suggest(value, writeGuards)}`,
      );
    setting = { writes: value as Deployment['writes'] };
  }
  const changed = { ...design };
  for (const service of services) changed[service] = { ...design[service], ...setting };
  return changed;
}

/**
 * `timeoutQuery.afterMs=60000`, `dedupe.mode=set-nx`, `timeoutQuery.intervalsMs=10000/20000`: one
 * parameter of a parametrised mitigation, the rest from the design (or hardened's when it is off),
 * checked with the JSON schema's rules. The mitigation is on afterwards.
 */
/** `timing.orderTimeoutMs=600000`: one timing value, checked as in a JSON design. */
function timingChange(design: Design, change: string, field: string, value: string): Design {
  const shape = timingSchema.shape as Record<string, z.ZodType>;
  const fields = Object.keys(shape);
  const check = shape[field];
  if (check === undefined)
    throw new DesignError(
      `design change "${change}": timing has no field "${field}"${suggest(field, fields)}; its fields are ${fields.join(', ')}`,
    );
  const parsed = check.safeParse(/^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value);
  if (!parsed.success)
    throw new DesignError(
      `design change "${change}": timing.${field} ${(parsed.error.issues[0] as z.core.$ZodIssue).message}, got "${value}"`,
    );
  return { ...design, timing: { ...design.timing, [field]: parsed.data } };
}

function parameterChange(
  design: Design,
  change: string,
  key: string,
  value: string | undefined,
): Design | undefined {
  const m = /^(\w+)\.(\w+)$/.exec(key);
  if (m === null || value === undefined) return undefined;
  const [, name = '', field = ''] = m;
  if (name === 'timing') return timingChange(design, change, field, value);
  if (name === 'paymentCenter' || name === 'businessApp')
    throw new DesignError(
      `design change "${change}": ${name} has no setting "${field}"${suggest(field, ['replicas', 'writes'])}; its settings are replicas and writes`,
    );
  const mitigations = Object.keys(design.mitigations);
  if (!mitigations.includes(name))
    throw new DesignError(
      `design change "${change}": unknown mitigation "${name}"${suggest(name, [...mitigations, 'paymentCenter', 'businessApp'])}`,
    );
  const shape = (mitigationParams as Record<string, z.ZodRawShape>)[name];
  if (shape === undefined)
    throw new DesignError(
      `design change "${change}": ${name} has no parameters; switch it with +${name} or -${name}`,
    );
  const fields = Object.keys(shape);
  if (!fields.includes(field))
    throw new DesignError(
      `design change "${change}": ${name} has no parameter "${field}"${suggest(field, fields)}; its parameters are ${fields.join(', ')}`,
    );
  // Numbers as numbers, lists of them split on "/" (a comma already separates changes).
  const number = (text: string) => (/^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text);
  const typed = field === 'intervalsMs' ? value.split('/').map(number) : number(value);
  const merged = { ...(baseParams(design, name as ParametrisedMitigation) as object), [field]: typed };
  const parsed = z.strictObject(shape).safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    const example = field === 'intervalsMs' ? ' (a list is written 10000/20000/30000)' : '';
    throw new DesignError(
      `design change "${change}": ${name}.${field} ${issue.message}, got "${value}"${example}`,
    );
  }
  return { ...design, mitigations: { ...design.mitigations, [name]: parsed.data } };
}

/** ` (did you mean "x"?)` when a known name is close to what was typed. */
export function suggest(typed: string, known: readonly string[]): string {
  if (known.length === 0) return '';
  const best = closest(typed, known as string[]);
  const near = distance(typed, best) <= Math.max(2, Math.floor(best.length / 3));
  const prefix = typed.startsWith(best) || best.startsWith(typed);
  return near || prefix ? ` (did you mean "${best}"?)` : '';
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const path = issue.path.map(String).join('.');
  const got = issue.path.reduce<unknown>(
    (v, key) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined),
    input,
  );
  if (got === undefined && issue.code === 'invalid_type') return `${path}: missing; ${issue.message}`;
  // A mitigation given as an object: report what is wrong inside it, not that the union failed.
  if (issue.code === 'invalid_union' && got !== null && typeof got === 'object' && !Array.isArray(got)) {
    const inner = issue.errors.find((branch) =>
      branch.some((i) => i.path.length > 0 || i.code === 'unrecognized_keys'),
    );
    if (inner)
      return inner.map((i) => describeIssue({ ...i, path: [...issue.path, ...i.path] }, input)).join('\n  ');
  }
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeys(issue.path);
    return issue.keys
      .map((key) => `${[...issue.path, key].join('.')}: unknown field${suggest(key, known)}`)
      .join('\n  ');
  }
  const options = issue.code === 'invalid_value' ? issue.values.map(String) : [];
  const hint = typeof got === 'string' ? suggest(got, options) : '';
  const shown = typeof got === 'number' ? String(got) : JSON.stringify(got);
  return `${path || '(top level)'}: ${issue.message}, got ${shown}${hint}`;
}

function knownKeys(path: readonly PropertyKey[]): string[] {
  if (path.length === 0) return Object.keys(designSchema.shape);
  if (path[0] === 'mitigations' && path.length === 1) return Object.keys(mitigationsSchema.shape);
  if (path[0] === 'timing')
    return [
      'orderTimeoutMs',
      'requestTimeoutMs',
      'requestAttempts',
      'paidWithinMs',
      'closeRetryMaxMs',
      'tradeExpiresAfterMs',
    ];
  if (path[0] === 'paymentCenter' || path[0] === 'businessApp') return ['replicas', 'writes'];
  if (path[0] === 'mitigations' && typeof path[1] === 'string') {
    const preset = presets.hardened?.mitigations[path[1] as keyof Design['mitigations']];
    return preset && typeof preset === 'object' ? Object.keys(preset) : [];
  }
  return [];
}

/** The spec with its design file (if any) made absolute, so that it resolves from anywhere. */
export function absoluteSpec(spec: string): string {
  const [base = '', ...changes] = spec.split(',');
  return [base.endsWith('.json') ? resolve(base) : base, ...changes].join(',');
}

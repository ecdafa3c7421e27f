// Turns command-line strings into checked values, with messages that name the option.

import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { maxOrdersHonoured } from '../check/limits.ts';
import { suggest } from '../designs/load-design.ts';
import { allFaults } from '../faults/catalogue.ts';
import { type ReportFormat, reportFormats } from '../report/write-report.ts';
import { checkFolderTakesFiles } from './report-files.ts';
import { UsageError } from './usage-error.ts';

export function positiveInt(option: string) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1) {
      throw new UsageError(`${option} expects a whole number of 1 or more, got "${text}"`);
    }
    return n;
  };
}

/** `--orders`: 1 up to what a generated world can have, so no request is silently shrunk. */
export function orderCount(text: string): number {
  const n = positiveInt('--orders')(text);
  if (n > maxOrdersHonoured)
    throw new UsageError(
      `--orders ${n} is more than a generated world ever has: the maximum is ${maxOrdersHonoured}`,
    );
  return n;
}

export function seedInt(text: string): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < -0x80000000 || n > 0x7fffffff) {
    throw new UsageError(
      `--seed expects a 32-bit whole number, from -2147483648 to 2147483647, got "${text}"`,
    );
  }
  return n;
}

/** `a,b,c` checked against the fault catalogue; `all` means every fault and `none` no fault. */
export function faultList(option: string, text: string): string[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0)
    throw new UsageError(`${option} expects fault names separated by commas, or "all" or "none"`);
  if (names.length === 1 && names[0] === 'all') return [...allFaults];
  if (names.length === 1 && names[0] === 'none') return [];
  for (const [i, name] of names.entries()) {
    if (name === 'all' || name === 'none')
      throw new UsageError(`${option}: "${name}" stands alone, not in a list`);
    if (names.indexOf(name) < i) throw new UsageError(`${option}: ${name} is given twice; give it once`);
    if (!(allFaults as readonly string[]).includes(name)) {
      throw new UsageError(
        `${option}: unknown fault "${name}"${suggest(name, allFaults)}; \`paysim faults\` lists them`,
      );
    }
  }
  return names;
}

export function choiceOf<T extends string>(option: string, allowed: readonly T[]) {
  return (text: string): T => {
    if ((allowed as readonly string[]).includes(text)) return text as T;
    throw new UsageError(
      `${option} expects one of ${allowed.join(', ')}, got "${text}"${suggest(text, allowed)}`,
    );
  };
}

/** Fails before a long run, not after it, if `path` cannot be written as a file. */
export async function checkWritable(
  option: string,
  path: string,
  /** Whether a file already there may be replaced (one paysim wrote before); anything else is kept. */
  replaceable?: (text: string) => boolean,
): Promise<void> {
  if (path === '' || path === '-' || /[/\\]$/.test(path))
    throw new UsageError(
      `${option} ${JSON.stringify(path)}: give the name of a file to write (e.g. ${option} story.json)`,
    );
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) throw new UsageError(`${option} ${path}: is a directory; give a file name`);
  // Missing folders are made, as --report-dir makes them.
  await checkFolderTakesFiles(`${option} ${path}`, dirname(resolve(path)));
  if (existing === undefined || replaceable === undefined) return;
  const text = await readFile(path, 'utf8').catch(() => '');
  if (!replaceable(text))
    throw new UsageError(
      `${option} ${path}: the file exists and is not one paysim wrote; paysim does not overwrite it (give another name, or move it first)`,
    );
}

/** `html`, `md`, or both as `html,md`. */
export function reportFormatList(text: string): ReportFormat[] {
  const names = text.split(',').map((s) => s.trim());
  for (const name of names)
    if (!(reportFormats as readonly string[]).includes(name))
      throw new UsageError(
        `--report expects html, md or html,md, got "${text}"${suggest(name, reportFormats)}`,
      );
  return [...new Set(names)] as ReportFormat[];
}

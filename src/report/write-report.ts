// Writes a report model to files, one per format, under a name that says what broke and is the
// same for the same story (so re-running overwrites its own report instead of piling up copies,
// and never a file paysim did not write); a search that found nothing is named by its seed and
// budget, so another search does not overwrite it.

import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { generatorMeta, htmlReport } from './html-report.ts';
import { markdownReport, markdownTitlePrefix } from './markdown-report.ts';
import type { ReportModel } from './report-model.ts';

export const reportFormats = ['html', 'md'] as const;
export type ReportFormat = (typeof reportFormats)[number];

const render: Record<ReportFormat, (model: ReportModel) => string> = { html: htmlReport, md: markdownReport };
/** Whether a file is one paysim wrote, per format: only such a file is written over. */
const isOwn: Record<ReportFormat, (text: string) => boolean> = {
  html: (text) => text.startsWith('<!doctype html>') && text.includes(generatorMeta),
  md: (text) => text.startsWith(markdownTitlePrefix),
};

/**
 * `seed-no-duplicate-orders-1a2b3c4d`: design, what broke, and the trace it tells;
 * `hardened-not-found-seed-7-2000-runs` for a search that found nothing.
 */
export function reportName(model: ReportModel): string {
  const [base = '', ...changes] = model.design.spec.split(',');
  // `-outbox` and `+outbox` are different designs: the sign survives as a word.
  const named = changes.map((c) => c.replace(/^-/, 'no-').replace(/^\+/, 'with-'));
  const design = [basename(base, '.json'), ...named].join('-');
  const searched = model.searched;
  const broken =
    model.broken ??
    (searched === undefined ? 'held' : `not-found-seed-${searched.seed}-${searched.runs}-runs`);
  const id = model.story?.traceHash.slice(0, 8);
  const slug = (text: string) =>
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '');
  return [slug(design), broken, id].filter(Boolean).join('-');
}

export interface WrittenReport {
  readonly path: string;
  /** The report's own name, when a file there that paysim did not write kept it from it. */
  readonly besideOf?: string;
}

/** Writes every requested format into `dir` (created if missing); returns where each went. */
export async function writeReport(
  model: ReportModel,
  formats: readonly ReportFormat[],
  dir: string,
): Promise<WrittenReport[]> {
  await makeFolder(dir);
  const written: WrittenReport[] = [];
  const name = reportName(model);
  for (const format of formats) {
    const own = join(dir, `${name}.${format}`);
    const path = await pathFor(dir, name, format);
    await writeFile(path, render[format](model));
    written.push(path === own ? { path } : { path, besideOf: own });
  }
  return written;
}

/** `Report: <path>` per report written, saying when it went beside a file of the user's. */
export function reportLines(written: readonly WrittenReport[]): string[] {
  return written.map(({ path, besideOf }) =>
    besideOf === undefined
      ? `Report: ${path}`
      : `Report: ${path} (${besideOf} is a file paysim did not write, so it is kept and the report goes beside it)`,
  );
}

/**
 * Where a report named `name` goes: its own name, unless a file there is not a paysim report (a
 * file of the user's is never written over); then the first of `name-1`, `name-2`, … that is free
 * or paysim's, so the same story still lands in the same file.
 */
async function pathFor(dir: string, name: string, format: ReportFormat): Promise<string> {
  for (let n = 0; ; n++) {
    const path = join(dir, `${name}${n === 0 ? '' : `-${n}`}.${format}`);
    const existing = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) =>
      error.code === 'ENOENT' ? null : undefined,
    );
    if (existing === null || (existing !== undefined && isOwn[format](existing))) return path;
  }
}

/** The nearest folder at or above `dir` that exists, and the folders below it down to `dir` that do not. */
export async function folderLevels(dir: string): Promise<{ existing: string; missing: string[] }> {
  const missing: string[] = [];
  let folder = resolve(dir);
  while ((await stat(folder).catch(() => undefined)) === undefined && dirname(folder) !== folder) {
    missing.unshift(folder);
    folder = dirname(folder);
  }
  return { existing: folder, missing };
}

/**
 * `mkdir -p`, a level at a time: Node 20's recursive mkdir never returns for a path under /proc,
 * where making one level fails at once.
 */
export async function makeFolder(dir: string): Promise<void> {
  for (const folder of (await folderLevels(dir)).missing)
    await mkdir(folder).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
}

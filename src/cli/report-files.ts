// `--report html|md [--report-dir DIR]` on check, replay and merge: the report files and where they went.

import { stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { ExploreReport } from '../check/explore.ts';
import { formatReplayCommand } from '../check/story.ts';
import type { Design } from '../designs/design.ts';
import { buildReport, type ReportModel } from '../report/report-model.ts';
import { handlerErrorNotes } from '../report/verdict.ts';
import {
  folderLevels,
  makeFolder,
  type ReportFormat,
  type WrittenReport,
  writeReport,
} from '../report/write-report.ts';
import { UsageError } from './usage-error.ts';

export const defaultReportDir = 'reports';

/**
 * Fails before a long run, not after it, if the report folder cannot be one; and refuses a
 * `--report-dir` given without `--report`, which would write nothing.
 */
export async function checkReportOptions(
  flags: { readonly report?: readonly unknown[]; readonly reportDir: string },
  command: Command,
): Promise<void> {
  if (flags.report === undefined) {
    if (command.getOptionValueSource('reportDir') === 'cli')
      throw new UsageError(
        `--report-dir ${flags.reportDir} says where reports go, but no report was asked for: add --report html, md or html,md`,
      );
    return;
  }
  const dir = flags.reportDir;
  if (dir === '') throw new UsageError('--report-dir "": give the folder to write the reports in');
  const existing = await stat(dir).catch(() => undefined);
  if (existing !== undefined && !existing.isDirectory())
    throw new UsageError(`--report-dir ${dir}: is a file, not a folder`);
  await checkFolderTakesFiles(`--report-dir ${dir}`, dir);
}

/**
 * Makes `dir` and the folders above it that are missing, before a long run rather than after it:
 * the nearest one that exists must take new files.
 */
export async function checkFolderTakesFiles(what: string, dir: string): Promise<void> {
  const folder = (await folderLevels(dir)).existing;
  if (!(await stat(folder)).isDirectory()) throw new UsageError(`${what}: ${folder} is a file, not a folder`);
  // Only writing tells (as root, /proc passes every access check): a file made and removed at once.
  const probe = join(dir, `.paysim-write-check-${process.pid}`);
  await makeFolder(dir)
    .then(() => writeFile(probe, ''))
    .then(() => unlink(probe))
    .catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`${what}: cannot write a file there (${error.code ?? error.message})`);
    });
}

export async function writeReportFiles(
  model: ReportModel,
  formats: readonly ReportFormat[],
  dir: string,
): Promise<WrittenReport[]> {
  try {
    return await writeReport(model, formats, dir);
  } catch (error) {
    throw new UsageError(`--report-dir ${dir}: cannot write the report (${(error as Error).message})`);
  }
}

/**
 * The report of a search (`check`, or `merge` of its shards): its verdict and, if it broke, the
 * shrunk story; `rerun` is the command that runs the whole search again.
 */
export function writeSearchReport(
  search: {
    readonly design: Design;
    readonly report: ExploreReport;
    readonly rerun: string;
    readonly yours: readonly ('paymentCenter' | 'businessApp')[];
    /** How the search was split, if it was: said after how it was found. */
    readonly merged?: string;
  },
  formats: readonly ReportFormat[],
  dir: string,
): Promise<WrittenReport[]> {
  const { report, rerun } = search;
  const c = report.counterexample;
  const model = buildReport({
    design: search.design,
    result: c?.result,
    runs: report.runs,
    seed: report.seed,
    yours: search.yours,
    replay: c ? formatReplayCommand(c.story) : rerun,
    provenance: [
      c
        ? `Found by \`${rerun}\`: generated run ${c.foundAtRun}, shrunk ${c.shrinks} times, ${c.story.picks.length} deviation${c.story.picks.length === 1 ? '' : 's'} from the happy path.`
        : `Checked by \`${rerun}\`.`,
      ...(search.merged === undefined ? [] : [search.merged]),
      ...handlerErrorNotes(report),
    ],
  });
  return writeReportFiles(model, formats, dir);
}

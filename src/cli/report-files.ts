// `--report html|md [--report-dir DIR]` on check and replay: the report files and where they went.

import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import type { ReportModel } from '../report/report-model.ts';
import { folderLevels, type ReportFormat, writeReport } from '../report/write-report.ts';
import { UsageError } from './usage-error.ts';

export const defaultReportDir = 'reports';

/** Fails before a long run, not after it, if the report folder cannot be one. */
export async function checkReportDir(dir: string): Promise<void> {
  const existing = await stat(dir).catch(() => undefined);
  if (existing !== undefined && !existing.isDirectory())
    throw new UsageError(`--report-dir ${dir}: is a file, not a folder`);
  // The folder, or the nearest one above it that exists, must take new files.
  const folder = (await folderLevels(dir)).existing;
  const writable = await access(folder, constants.W_OK).then(
    () => true,
    () => false,
  );
  if (!writable)
    throw new UsageError(`--report-dir ${dir}: cannot write there (${folder} does not take new files)`);
}

export async function writeReportFiles(
  model: ReportModel,
  formats: readonly ReportFormat[],
  dir: string,
): Promise<string[]> {
  try {
    return await writeReport(model, formats, dir);
  } catch (error) {
    throw new UsageError(`--report-dir ${dir}: cannot write the report (${(error as Error).message})`);
  }
}

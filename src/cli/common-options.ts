// Options that several commands take, each declared once so that its flag, help and parser are the
// same wherever it appears. A function per option: commander keeps state in an Option it was given.

import { Option } from 'commander';
import { maxOrdersHonoured } from '../check/limits.ts';
import { providerNames } from '../designs/design.ts';
import { defaultEngine, machineEngines } from '../kernel/index.ts';
import { choiceOf, orderCount, reportFormatList } from './parse.ts';
import { defaultReportDir } from './report-files.ts';

export const ordersOption = () =>
  new Option('--orders <n>', `at most this many concurrent orders per world (1 to ${maxOrdersHonoured})`)
    .argParser(orderCount)
    .default(3);

export const providerOption = () =>
  new Option('--provider <name>', "override the design's provider: wechat, alipay or stripe").argParser(
    choiceOf('--provider', providerNames),
  );

export const forwardingOption = () =>
  new Option('--forwarding <channel>', "override the design's forwarding: direct or mq").argParser(
    choiceOf('--forwarding', ['direct', 'mq'] as const),
  );

export const engineOption = () =>
  new Option(
    '--engine <name>',
    'which interpreter runs the machines: compiled (the default, fast) or xstate (the reference)',
  )
    .argParser(choiceOf('--engine', machineEngines))
    .default(defaultEngine);

export const jsonOption = () => new Option('--json', 'print one JSON document to stdout and nothing else');

export const failOnErrorsOption = () =>
  new Option(
    '--fail-on-errors',
    'exit 1 when your own code (an --app service) threw an error paysim did not inject, even if every invariant held (for CI)',
  );

/** `what` the report tells: the verdict, the story. */
export const reportOption = (what: string) =>
  new Option('--report <formats>', `also write ${what} as a report: html, md or html,md`).argParser(
    reportFormatList,
  );

export const reportDirOption = () =>
  new Option('--report-dir <dir>', 'where --report writes').default(defaultReportDir);

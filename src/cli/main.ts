// paysim's command line: argument parsing and output only; the work is the library's.

import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ContractError } from '../adapters/service-ports.ts';
import { closeSqlDatabases } from '../adapters/sql-engine.ts';
import { DesignError } from '../designs/load-design.ts';
import { checkCommand } from './check.command.ts';
import { learnCommand } from './learn.command.ts';
import { designsCommand, faultsCommand } from './list.command.ts';
import { matrixCommand } from './matrix.command.ts';
import { mergeCommand } from './merge.command.ts';
import { replayCommand } from './replay.command.ts';
import { UsageError } from './usage-error.ts';

// `--no-faults LIST` reads better than commander's negation syntax allows; give it another name,
// and call it by the name the user typed in what paysim says back.
const typedNoFaults = process.argv.some((a) => a === '--no-faults' || a.startsWith('--no-faults='));
const argv = process.argv.map((a) =>
  a === '--no-faults'
    ? '--without-faults'
    : a.startsWith('--no-faults=')
      ? a.replace('--no-faults', '--without-faults')
      : a,
);

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
// With --json, stdout carries one JSON document whatever happens, errors included.
// `--json=true` too, refused below, but its refusal is JSON.
const wantsJson = argv
  .slice(2, argv.includes('--') ? argv.indexOf('--') : undefined)
  .some((arg) => arg === '--json' || arg.startsWith('--json='));

/** Bad input: one message and exit code 2, as text on stderr or as the JSON document on stdout. */
function usageFailure(said: string, hint = ''): void {
  const message = typedNoFaults ? said.replaceAll('--without-faults', '--no-faults') : said;
  if (wantsJson) process.stdout.write(`${JSON.stringify({ error: { kind: 'usage', message } }, null, 2)}\n`);
  else process.stderr.write(`paysim: ${message}${hint}\n`);
  process.exitCode = 2;
}

const program = new Command('paysim')
  .description(
    'Simulate a payment design under faults and search thousands of worlds for one where it loses a payment or charges twice.',
  )
  .version(version, '-V, --version', 'print the version of paysim')
  .exitOverride()
  .configureOutput({ outputError: () => {} })
  .showSuggestionAfterError(true);

program.addCommand(checkCommand());
program.addCommand(replayCommand());
program.addCommand(matrixCommand());
program.addCommand(mergeCommand());
program.addCommand(designsCommand());
program.addCommand(faultsCommand());
program.addCommand(learnCommand());
program.addHelpText(
  'after',
  `
Examples:
  npx paysim check                                  search the built-in hardened design
  npx paysim check --design seed --seed 21          a design that breaks, and its story
  npx paysim replay --design seed --workload o1:100@0 --picks "user.submit#0=1"
  npx paysim matrix --provider alipay               which mitigation guards against what
  npx paysim learn                                  the course: why each measure exists
  npx paysim check --app ./paysim.config.ts         your own payment center or order service

Each command's --help has its options and more examples.`,
);
for (const command of program.commands) command.exitOverride().configureOutput({ outputError: () => {} });

const leaveOut =
  ': the faults to leave out (--no-faults app.crash,pc.crash); for no faults at all, --faults none';

/**
 * What commander would get wrong silently: an option that takes a value, written without one and
 * followed by another option, which it would take as the value (`--no-faults --seed 1` leaves out a
 * fault named "--seed"; a negative number, `--seed -3`, is a value), and a value option given twice,
 * of which it keeps the last. Told here, naming both; and a flag given a value (`--json=true`),
 * which it would call an unknown option.
 */
function misusedOption(args: readonly string[]): string | undefined {
  const command = program.commands.find((c) => c.name() === args[0]);
  if (command === undefined) return undefined;
  const end = args.includes('--') ? args.indexOf('--') : args.length;
  const given = new Map<string, string>();
  for (let i = 1; i < end; i++) {
    // `--shard=1/3` as well as `--shard 1/3`.
    const [flag, inline] = (args[i] as string).startsWith('--')
      ? ((args[i] as string).split(/=(.*)/s) as [string, string | undefined])
      : [args[i] as string, undefined];
    const option = command.options.find((o) => o.long === flag || o.short === flag);
    // Commander would call `--json=true` an unknown option.
    if (option !== undefined && inline !== undefined && !option.required && !option.optional)
      return `${flag} takes no value: write ${flag} alone, not ${args[i]}`;
    const value = inline ?? args[i + 1];
    // A value option given twice: commander keeps the last, silently (`--shard 1/3 --shard 2/3`).
    if (option?.required && !option.variadic && option.long !== undefined && value !== undefined) {
      const before = given.get(option.long);
      if (before !== undefined) return `${flag} is given twice (${before} and ${value}): give it once`;
      given.set(option.long, value);
    }
    if (inline !== undefined) continue;
    const next = args[i + 1];
    if (!option?.required || next === undefined || !/^--?[A-Za-z]/.test(next)) continue;
    const example = option.long === '--without-faults' ? leaveOut : '';
    return `${flag} needs a value, but the next argument is the option ${next}${example}`;
  }
  return undefined;
}

try {
  const misused = misusedOption(argv.slice(2));
  if (misused !== undefined) throw new UsageError(misused);
  await program.parseAsync(argv);
} catch (error) {
  if (error instanceof CommanderError) {
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.code === 'commander.help'
    ) {
      process.exitCode = 0;
    } else {
      const message = error.message.replace(/^error: /, '');
      // An option written without its value swallows the next flag and leaves that flag's value stray.
      const hint =
        error.code === 'commander.excessArguments'
          ? ' (did an option before it miss its value?)'
          : message.includes("'--without-faults <list>' argument missing")
            ? leaveOut
            : message === "missing required argument 'files'"
              ? ': give the --json results of every shard (paysim merge shard-*.json)'
              : '';
      // The help of the command that was run, if one was: that is where its arguments are told.
      const name = argv.slice(2).find((arg) => !arg.startsWith('-'));
      const help = program.commands.some((c) => c.name() === name)
        ? `paysim ${name} --help`
        : 'paysim --help';
      usageFailure(`${message}${hint}`, `\nRun \`${help}\` for usage.`);
    }
  } else if (error instanceof UsageError || error instanceof DesignError || error instanceof ContractError) {
    usageFailure(error.message);
  } else {
    throw error;
  }
} finally {
  await closeSqlDatabases();
}

import { Command } from 'commander';
import type { Design } from '../designs/design.ts';
import { mitigationHelp } from '../designs/mitigation-help.ts';
import { presets } from '../designs/presets.ts';
import { mitigationNames } from '../designs/variants.ts';
import { faultCatalogue } from '../faults/catalogue.ts';

function onOff(design: Design, name: keyof Design['mitigations']): string {
  const value = design.mitigations[name];
  return value === false ? 'off' : value === true ? 'on' : JSON.stringify(value);
}

export function designsCommand(): Command {
  return new Command('designs')
    .description('List the preset designs and every mitigation with its parameters.')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  npx paysim designs')
    .action((flags: { json?: boolean }) => {
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ presets, mitigations: mitigationHelp }, null, 2)}\n`);
        return;
      }
      const lines = ['Presets:', ''];
      for (const d of Object.values(presets)) lines.push(`  ${d.name.padEnd(9)} ${d.description}`);
      lines.push('', 'Mitigations (naive / seed / hardened):', '');
      for (const name of mitigationNames) {
        lines.push(`  ${name}: ${mitigationHelp[name]}`);
        lines.push(
          `      ${Object.values(presets)
            .map((d) => `${d.name}=${onOff(d, name)}`)
            .join('  ')}`,
        );
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

export function faultsCommand(): Command {
  return new Command('faults')
    .description('List the fault catalogue: every way the simulated world may misbehave.')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  npx paysim faults')
    .action((flags: { json?: boolean }) => {
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(faultCatalogue, null, 2)}\n`);
        return;
      }
      const width = Math.max(...faultCatalogue.map((f) => f.id.length));
      const lines = faultCatalogue.map((f) => `  ${f.id.padEnd(width)}  ${f.where.padEnd(38)} ${f.what}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

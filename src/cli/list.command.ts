import { Command } from 'commander';
import type { Design } from '../designs/design.ts';
import { resolveDesign } from '../designs/load-design.ts';
import { mitigationHelp } from '../designs/mitigation-help.ts';
import { presets } from '../designs/presets.ts';
import { mitigationNames } from '../designs/variants.ts';
import { faultCatalogue, idleBecause } from '../faults/catalogue.ts';
import { describeOptions } from '../faults/pick-names.ts';
import { payBehaviours } from '../machines/user.machine.ts';
import { payMoments } from '../services/users.ts';
import { jsonOption } from './common-options.ts';

function onOff(design: Design, name: keyof Design['mitigations']): string {
  const value = design.mitigations[name];
  return value === false ? 'off' : value === true ? 'on' : JSON.stringify(value);
}

export function designsCommand(): Command {
  return new Command('designs')
    .description('List the preset designs and every mitigation with its parameters.')
    .addOption(jsonOption())
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
      // What a design file or a spec change may also set (`timing.orderTimeoutMs=…`, `replicas=2`).
      lines.push('', 'Provider, deployment and timing (naive / seed / hardened):', '');
      const byPreset = (value: (d: Design) => unknown) =>
        Object.values(presets)
          .map((d) => `${d.name}=${typeof value(d) === 'string' ? value(d) : JSON.stringify(value(d))}`)
          .join('  ');
      lines.push(`  provider: ${byPreset((d) => d.provider)}`);
      lines.push(`  forwarding: ${byPreset((d) => d.forwarding)}`);
      lines.push(`  paymentCenter: ${byPreset((d) => d.paymentCenter)}`);
      lines.push(`  businessApp: ${byPreset((d) => d.businessApp)}`);
      for (const field of Object.keys(presets.hardened?.timing ?? {}) as (keyof Design['timing'])[])
        lines.push(`  timing.${field}: ${byPreset((d) => d.timing[field])}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

export function faultsCommand(): Command {
  return new Command('faults')
    .description(
      'List the fault catalogue: every way the simulated world may misbehave, with the options a pick may name.',
    )
    .option(
      '--design <spec>',
      "also list user.pay's moments around this design's timers, by number (a design spec, as for check)",
    )
    .addOption(jsonOption())
    .addHelpText(
      'after',
      '\nA pick names an option by number or by name: notify.duplicated#0=2 or notify.duplicated#0=later.\n\nExamples:\n  npx paysim faults\n  npx paysim faults --design seed',
    )
    .action(async (flags: { json?: boolean; design?: string }) => {
      const design = flags.design === undefined ? undefined : await resolveDesign(flags.design);
      // user.pay's options past the fixed behaviours are the design's own moments, numbered on.
      const moments = (design ? payMoments(design) : []).map((m, i) => ({
        index: payBehaviours.length + i,
        story: m.story,
      }));
      if (flags.json) {
        const doc = design ? { faults: faultCatalogue, userPayMoments: moments } : faultCatalogue;
        process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
        return;
      }
      const width = Math.max(...faultCatalogue.map((f) => f.id.length));
      const whereWidth = Math.max(...faultCatalogue.map((f) => f.where.length));
      const lines: string[] = [];
      for (const f of faultCatalogue) {
        const idle = design && idleBecause(f.id, design);
        lines.push(
          `  ${f.id.padEnd(width)}  ${f.where.padEnd(whereWidth)}  ${f.what}${idle ? ` (never strikes ${design.name}: ${idle})` : ''}`,
        );
        lines.push(`  ${' '.repeat(width)}  options: ${describeOptions(f)}`);
      }
      lines.push(
        '',
        'A pick names an option by number or by name: notify.duplicated#0=2 or notify.duplicated#0=later.',
      );
      if (design) {
        lines.push('', `user.pay's moments around the timers of ${design.name}:`);
        for (const m of moments) lines.push(`  ${String(m.index).padStart(3)}  ${m.story}`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

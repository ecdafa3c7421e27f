// The one model every report format renders (HTML with an SVG sequence diagram, Markdown with a
// Mermaid block): the verdict per invariant, the design, the story as diagram steps between the
// services' lifelines, the final state of the orders involved and the replay line. It is derived
// from the run's trace and violations, never from terminal text.

import type { RunResult } from '../check/simulate.ts';
import type { Design } from '../designs/design.ts';
import { describeDeployment, mitigationNames, type ServiceName } from '../designs/variants.ts';
import { invariants } from '../invariants/index.ts';
import { traceHash } from '../kernel/index.ts';
import { type OrderOutcome, orderOutcomes } from './final-state.ts';
import { type StoryEvent, storyEvents } from './story-events.ts';
import { eventText, finalStateHeading, storyOf } from './timeline.ts';

export interface Participant {
  /** The world address (`pc`), also a safe identifier for Mermaid and CSS. */
  readonly id: string;
  readonly label: string;
}

/** The services every diagram shows, in lifeline order; other senders (an attacker) are appended. */
export const coreParticipants: readonly Participant[] = [
  { id: 'users', label: 'user' },
  { id: 'app', label: 'app' },
  { id: 'redis', label: 'Redis' },
  { id: 'mq', label: 'MQ' },
  { id: 'pc', label: 'payment center' },
  { id: 'gateway', label: 'gateway' },
];

interface StepBase {
  readonly atMs: number;
  /** The step where an invariant broke, or the verdict that closes a broken story. */
  readonly breaking: boolean;
  /** The same step again this many more times (a provider re-notifying into an outage). */
  readonly repeats?: { readonly times: number; readonly lastAtMs: number };
}

export type DiagramStep = StepBase &
  (
    | {
        readonly kind: 'message';
        readonly from: string;
        readonly to: string;
        readonly text: string;
        /** A fault that struck this message (`notify.lost`); `lost` when it never arrived. */
        readonly fault?: string;
        readonly lost?: boolean;
        /** The receiver was down and refused it. */
        readonly refused?: boolean;
      }
    | {
        /** A box over one or more lifelines: a state change, a fault, a crash, a note, the verdict. */
        readonly kind: 'note';
        readonly style: 'state' | 'fault' | 'crash' | 'restart' | 'note' | 'verdict-broken' | 'verdict-held';
        readonly over: readonly string[];
        readonly text: string;
      }
  );

/** What the kind column of the verdict table means. */
export const invariantKindsLegend =
  'safety: never broken at any step of the run; quiescence: holds once nothing is left to happen in it; liveness: what must happen does, within the bound the design states.';

export interface InvariantVerdict {
  readonly name: string;
  readonly kind: string;
  readonly statement: string;
  readonly status: 'violated' | 'held' | 'not-broken';
  readonly detail: string;
}

export interface ReportModel {
  readonly title: string;
  readonly holds: boolean;
  /** The invariant the story broke first, the one it is told for. */
  readonly broken?: string;
  readonly headline: string;
  /** For a search that found nothing: its seed and budget, which the verdict depends on. */
  readonly searched?: { readonly seed: number; readonly runs: number };
  readonly invariants: readonly InvariantVerdict[];
  readonly design: {
    readonly spec: string;
    readonly description: string;
    readonly provider: string;
    /** How many instances of each service, and how their writes are guarded. */
    readonly deployment: string;
    readonly forwarding: string;
    readonly mitigations: ReadonlyArray<{ readonly name: string; readonly setting: string }>;
  };
  /** How the story was found, in words (`generated run 2 of seed 6, shrunk 6 times`). */
  readonly provenance: readonly string[];
  /** Absent when a check held: there is no story to draw. */
  readonly story?: {
    readonly participants: readonly Participant[];
    readonly steps: readonly DiagramStep[];
    readonly finalStates: readonly OrderOutcome[];
    /** What the final states are: when the run ended, if the story stops earlier. */
    readonly finalStateHeading: string;
    readonly traceHash: string;
  };
  /** The command that reproduces the story exactly (or repeats the check that held). */
  readonly replay: string;
  /** A lesson's explanation, when the story is a pinned scenario. */
  readonly lesson?: string;
}

export interface ReportInput {
  readonly design: Design;
  readonly replay: string;
  readonly provenance: readonly string[];
  readonly lesson?: string;
  /** The run to tell; absent when a check held every invariant. */
  readonly result?: RunResult;
  /** For a check that held: how many runs it searched, and its seed. */
  readonly runs?: number;
  readonly seed?: number;
  /** The services that are the user's own code (`--app`), not the models. */
  readonly yours?: readonly ServiceName[];
}

export function buildReport(input: ReportInput): ReportModel {
  const { design, result } = input;
  const violations = result?.violations ?? [];
  const first = violations[0];
  const broken = new Map<string, string>();
  for (const v of violations) if (!broken.has(v.invariant)) broken.set(v.invariant, v.message);
  const statement = (name: string | undefined) => invariants.find((i) => i.name === name)?.statement ?? '';
  const holds = first === undefined;
  const headline = holds
    ? result
      ? `${design.name} held every invariant in this run.`
      : `No counterexample to ${design.name} found in ${input.runs ?? 0} runs.`
    : `${design.name} is broken — ${first.invariant}: ${statement(first.invariant)}, but ${first.message}.`;
  return {
    // A search that found nothing is a budget, not a proof: the title says so, as the verdict does.
    title: !holds
      ? `${design.name} is broken: ${first.invariant}`
      : result
        ? `${design.name} held in this run`
        : `${design.name}: no counterexample in ${input.runs ?? 0} runs`,
    holds,
    broken: first?.invariant,
    headline,
    ...(holds && !result && input.seed !== undefined
      ? { searched: { seed: input.seed, runs: input.runs ?? 0 } }
      : {}),
    invariants: invariants.map((inv) => {
      const why = broken.get(inv.name);
      return {
        name: inv.name,
        kind: inv.kind,
        statement: inv.statement,
        status: why ? 'violated' : holds ? 'held' : 'not-broken',
        detail: why ?? (holds ? `not broken in ${input.runs ?? 0} runs` : 'not broken by this story'),
      };
    }),
    design: {
      spec: design.name,
      description: design.description,
      provider: design.provider,
      deployment: describeDeployment(design, input.yours),
      forwarding: design.forwarding,
      mitigations: mitigationNames.map((name) => ({ name, setting: settingOf(design.mitigations[name]) })),
    },
    provenance: input.provenance,
    story: result && {
      ...diagramOf(result),
      finalStates: orderOutcomes(result, holds ? [] : [...new Set(violations.flatMap((v) => v.orders))]),
      finalStateHeading: finalStateHeading(violations, true, result.final.endMs).replace(/:$/, ''),
      traceHash: traceHash(result.trace),
    },
    replay: input.replay,
    lesson: input.lesson,
  };
}

/** A mitigation setting in words: `off`, `on`, or its parameters. */
export function settingOf(value: unknown): string {
  if (value === false) return 'off';
  if (value === true) return 'on';
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join('/') : String(v)}`)
    .join(', ');
}

function diagramOf(result: RunResult): { participants: Participant[]; steps: DiagramStep[] } {
  const options = storyOf(result.violations);
  const events = storyEvents(result.trace, options);
  const first = result.violations[0];
  // A safety violation breaks at a step of the story (each one the story tells is marked); a
  // quiescence one at the end of the run.
  const until = options.untilStep;
  const breakingSteps = new Set(
    until === undefined ? [] : result.violations.map((v) => v.step).filter((step) => step <= until),
  );
  const participants = [...coreParticipants];
  const lifeline = (address: string) => {
    if (!participants.some((p) => p.id === address)) participants.push({ id: address, label: address });
    return address;
  };
  const steps: DiagramStep[] = [];
  let previousKey: string | undefined;
  for (const event of events) {
    const step = stepOf(event, breakingSteps.has(event.step), lifeline);
    // Collapse runs of the same event, as the terminal timeline does.
    const key = `${eventText(event)}|${step.breaking}`;
    const last = steps[steps.length - 1];
    if (key === previousKey && last) {
      steps[steps.length - 1] = {
        ...last,
        repeats: { times: (last.repeats?.times ?? 0) + 1, lastAtMs: event.atMs },
      };
      continue;
    }
    previousKey = key;
    steps.push(step);
  }
  const everyone = participants.map((p) => p.id);
  if (first)
    steps.push({
      kind: 'note',
      style: 'verdict-broken',
      over: everyone,
      atMs: first.atMs,
      breaking: true,
      text: `✗ ${first.invariant}: ${first.message}`,
    });
  else
    steps.push({
      kind: 'note',
      style: 'verdict-held',
      over: everyone,
      atMs: result.final.endMs,
      breaking: false,
      text: '✓ every invariant held',
    });
  return { participants, steps };
}

/** Which lifeline a fault without a message stands on, from its label's first word. */
function faultLifeline(fault: string): string | undefined {
  const owners: Record<string, string> = {
    user: 'users',
    app: 'app',
    pc: 'pc',
    gateway: 'gateway',
    query: 'gateway',
    notify: 'gateway',
    mq: 'mq',
    forward: 'pc',
  };
  return owners[fault.split('.')[0] ?? ''];
}

function stepOf(event: StoryEvent, breaking: boolean, lifeline: (address: string) => string): DiagramStep {
  const base = { atMs: event.atMs, breaking };
  switch (event.kind) {
    case 'message':
      return {
        ...base,
        kind: 'message',
        from: lifeline(event.from),
        to: lifeline(event.to),
        text: event.tag ? `${event.text} [${event.tag}]` : event.text,
        fault: event.tag,
      };
    case 'refused':
      return {
        ...base,
        kind: 'message',
        from: lifeline(event.from),
        to: lifeline(event.to),
        text: `${event.text} — refused: ${event.to} is down`,
        refused: true,
      };
    case 'fault':
      if (event.message)
        return {
          ...base,
          kind: 'message',
          from: lifeline(event.message.from),
          to: lifeline(event.message.to),
          text: `⚡ ${event.fault}: ${event.message.text} ${event.detail}`,
          fault: event.fault,
          lost: event.detail.startsWith('lost'),
        };
      return {
        ...base,
        kind: 'note',
        style: 'fault',
        over: [lifeline(faultLifeline(event.fault) ?? 'users')],
        text: `⚡ ${event.fault}: ${event.detail}`,
      };
    case 'state':
      return {
        ...base,
        kind: 'note',
        style: 'state',
        over: [lifeline(event.owner)],
        text: `${event.table.replace(/s$/, '')} ${event.key} ${event.before ?? 'new'} → ${event.after}`,
      };
    case 'money':
      return { ...base, kind: 'note', style: 'state', over: [lifeline(event.owner)], text: event.text };
    case 'crash':
      return {
        ...base,
        kind: 'note',
        style: 'crash',
        over: [lifeline(event.owner)],
        text: `⚡ ${event.owner} crashes: memory and timers lost, database kept`,
      };
    case 'restart':
      return {
        ...base,
        kind: 'note',
        style: 'restart',
        over: [lifeline(event.owner)],
        text: `${event.owner} restarts from its database`,
      };
    case 'note':
      return { ...base, kind: 'note', style: 'note', over: [lifeline(event.owner)], text: event.text };
    case 'unknown':
      return {
        ...base,
        kind: 'note',
        style: 'note',
        over: event.owner ? [lifeline(event.owner)] : coreParticipants.map((p) => p.id),
        text: event.text,
      };
  }
}

/** The final-state table both renderings print: one row per order involved. */
export const finalStateHeader = [
  'order',
  'business app',
  'payment center',
  'gateway',
  'captured',
  'refunded',
  'fulfilled',
];

export function finalStateRows(outcomes: readonly OrderOutcome[]): string[][] {
  return outcomes.map((o) => [
    o.orderId,
    o.app,
    o.pc,
    o.gateway,
    String(o.captured),
    String(o.refunded),
    `${o.fulfilments}×`,
  ]);
}

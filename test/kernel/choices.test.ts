import { describe, expect, it } from 'vitest';
import { formatPicks, parsePicks, ScriptedChoices } from '../../src/kernel/choices.ts';

describe('ScriptedChoices', () => {
  it('answers the default (0) to every decision that is not scripted', () => {
    const choices = ScriptedChoices.replay([]);
    expect([choices.choose('notify.lost', 2), choices.choose('user.pay', 6)]).toEqual([0, 0]);
    expect(choices.taken).toEqual([]);
  });

  it('addresses a decision by label and occurrence, independently of other labels', () => {
    const choices = ScriptedChoices.replay([{ label: 'notify.lost', nth: 1, index: 1 }]);
    const answers = [
      choices.choose('notify.lost', 2),
      choices.choose('pc.crash', 2),
      choices.choose('notify.lost', 2),
      choices.choose('notify.lost', 2),
    ];
    expect(answers).toEqual([0, 0, 1, 0]);
    expect(choices.taken).toEqual([{ label: 'notify.lost', nth: 1, index: 1 }]);
  });

  it('maps a generated raw value onto a non-default option', () => {
    const choices = ScriptedChoices.fromRaw([{ label: 'user.pay', nth: 0, value: 7 }]);
    expect(choices.choose('user.pay', 6)).toBe(1 + (7 % 5));
  });

  it('rejects a replayed pick naming an option that does not exist', () => {
    const choices = ScriptedChoices.replay([{ label: 'notify.lost', nth: 0, index: 5 }]);
    expect(() => choices.choose('notify.lost', 2)).toThrow(
      /notify.lost#0 picks option 5, but its options here are 1 to 1 \(0 is the default\)/,
    );
  });

  it('round-trips picks through their text form', () => {
    const picks = [
      { label: 'notify.lost', nth: 2, index: 1 },
      { label: 'user.pay', nth: 0, index: 4 },
    ];
    expect(parsePicks(formatPicks(picks))).toEqual(picks);
    expect(() => parsePicks('notify.lost#two=1')).toThrow(/not of the form label#nth=index/);
  });

  it("reads an option given by name through the caller's names, and only then", () => {
    const byName = (label: string, name: string) => {
      if (label === 'notify.duplicated' && name === 'later') return 2;
      throw new Error(`${label} has no option "${name}"`);
    };
    expect(parsePicks('notify.duplicated#0=later notify.lost#1=1', byName)).toEqual([
      { label: 'notify.duplicated', nth: 0, index: 2 },
      { label: 'notify.lost', nth: 1, index: 1 },
    ]);
    expect(() => parsePicks('notify.duplicated#0=soon', byName)).toThrow(
      /^pick notify.duplicated#0=soon: notify.duplicated has no option "soon"$/,
    );
    expect(() => parsePicks('notify.duplicated#0=later')).toThrow(/not of the form label#nth=index/);
  });
});

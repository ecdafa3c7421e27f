// Colour for a person at a terminal, never for a pipe or a file: red for what failed. Honours
// NO_COLOR (https://no-color.org) over everything, then FORCE_COLOR, then whether stdout is a TTY.

export function colourWanted(stream: { isTTY?: boolean } = process.stdout, env = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

const red = (text: string) => `\u001b[31m${text}\u001b[39m`;

/** A line that reports a failure: a broken invariant (`✗ …`) or a broken verdict. */
function isFailure(line: string): boolean {
  const text = line.trimStart();
  return text.startsWith('✗') || /^Verdict: .* is broken/.test(text) || text.startsWith('Unexpected:');
}

export function paintFailures(lines: readonly string[], colour: boolean): string[] {
  return colour ? lines.map((line) => (isFailure(line) ? red(line) : line)) : [...lines];
}

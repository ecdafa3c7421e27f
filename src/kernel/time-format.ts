// Virtual time as a story prints it: `mm:ss.mmm`, with hours in front once a run passes one.

export function formatTime(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const milli = ms % 1000;
  const mmss = `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(milli).padStart(3, '0')}`;
  return h > 0 ? `${h}h${mmss}` : mmss;
}

/** A span of virtual time in the unit that reads best: `800 ms`, `7.4 s`, `15 min`, `2.5 h`. */
export function formatDuration(ms: number): string {
  const tenths = (x: number) => String(Math.round(x * 10) / 10);
  if (Math.abs(ms) < 1000) return `${ms} ms`;
  if (Math.abs(ms) < 60_000) return `${tenths(ms / 1000)} s`;
  if (Math.abs(ms) < 3_600_000) return `${tenths(ms / 60_000)} min`;
  return `${tenths(ms / 3_600_000)} h`;
}

// Which module bin/paysim.js runs: the compiled dist/ when the last `npm run build` is at least as
// new as every file under src/ (tsx's transform wraps named functions and slows the simulation),
// else the TypeScript sources through tsx, so an edit to src/ never runs a stale build.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

/** The newest modification time (ms) of the files under `dir`. */
function newestFile(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const time = entry.isDirectory() ? newestFile(path) : statSync(path).mtimeMs;
    if (time > newest) newest = time;
  }
  return newest;
}

/**
 * Whether `root`/dist holds a build no older than `root`/src. `npm run build` writes dist/.building
 * before tsc and renames it dist/.built after: no stamp while tsc rewrites dist/, and the stamp's
 * time is the build's start, so a file saved during the build counts as newer.
 */
export function distIsFresh(root) {
  const stamp = statSync(join(root, 'dist', '.built'), { throwIfNoEntry: false });
  if (stamp === undefined || !existsSync(join(root, 'dist', 'cli', 'main.js'))) return false;
  // An installed package: nobody edits its src/, and npm gives each file the time it was unpacked
  // (src/ after dist/), so the times say nothing.
  if (root.split(sep).includes('node_modules')) return true;
  // Equal times count as fresh: a tarball unpacked by tar gives every file npm pack's one time.
  return newestFile(join(root, 'src')) <= stamp.mtimeMs;
}

/** The CLI's main module under `root`; PAYSIM_FROM_SOURCE=1 forces the sources. */
export function cliEntry(root, env = process.env) {
  const fromSource = env.PAYSIM_FROM_SOURCE !== undefined && env.PAYSIM_FROM_SOURCE !== '0';
  return !fromSource && distIsFresh(root)
    ? join(root, 'dist', 'cli', 'main.js')
    : join(root, 'src', 'cli', 'main.ts');
}

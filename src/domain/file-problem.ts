// What went wrong reading a file the user named, in words: the same for a design, a story or a config.

/** `does not exist`, `is a folder`, or `cannot be read (EACCES)`. */
export function fileProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'EISDIR') return 'is a folder';
  return `cannot be read (${code ?? (error as Error).message})`;
}

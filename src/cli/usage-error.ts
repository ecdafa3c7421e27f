/** Bad input from the command line or a file: reported as one message with exit code 2. */
export class UsageError extends Error {}

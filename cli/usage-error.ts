/** A command used in a way it cannot serve: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

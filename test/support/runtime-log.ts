/**
 * What the Lambda runtime logs of an error a handler throws: its name, message and stack, and
 * every enumerable own property. This is the Node.js runtime interface client's formatting
 * (`toFormatted` in its Errors module), written out so a test can hold a thrown error to it.
 */
export function asTheRuntimeLogsIt(error: unknown): string {
  return JSON.stringify(error, (_key, value: unknown) =>
    value instanceof Error
      ? { errorType: value.name, errorMessage: value.message, ...value, stack: value.stack?.split('\n') }
      : value,
  );
}

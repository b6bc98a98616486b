/** How the CLI reports a failure: one message on stderr and exit code 1. */
export function fail(message: string, code = 1): never {
  process.stderr.write(`r1flow: ${message}\n`);
  process.exit(code);
}

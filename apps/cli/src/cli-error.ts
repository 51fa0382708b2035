/** A refusal the CLI prints as one `airlock: ...` line and exits 1 on. */
export class CliError extends Error {
  override name = 'CliError';
}

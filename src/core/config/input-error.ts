/**
 * A bad input. The message is the one line the user sees, naming the input, the value and what is
 * accepted: `job-duration: '90 minutes' is not a duration; use 90m, 2h or 1h30m`.
 */
export class InputError extends Error {
  constructor(
    readonly input: string,
    line: string,
  ) {
    super(line);
    this.name = "InputError";
  }

  /** `<input>: '<value>' is not <what>; use <accepted>`. */
  static invalid(input: string, value: string, what: string, accepted: string): InputError {
    return new InputError(input, `${input}: ${quote(value)} is not ${what}; use ${accepted}`);
  }
}

/** The value as it appears in an error line: quoted, on one line, never endless. */
export function quote(value: string): string {
  const oneLine = value.replace(/\r?\n/g, "\\n");
  return `'${oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine}'`;
}

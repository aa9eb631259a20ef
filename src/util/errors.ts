/**
 * Errors that carry what an operator needs: what was wrong, where (file, offset or line), the
 * value seen, and the fix. The CLI maps `kind` to the exit codes of docs/design.md §4.
 */
export type ErrorKind =
  /** Bad command line or configuration: exit 2. */
  | 'usage'
  /** A stated requirement is missing (data not staged, engine not installed): the case is skipped. */
  | 'requirement'
  /** Input data or a model exists but is wrong (corrupt, truncated, mismatched). */
  | 'data'
  /** mlcheck itself could not decide. */
  | 'internal';

export interface ErrorDetails {
  file?: string;
  /** Byte offset or 1-based line in `file`, when it helps to find the problem. */
  offset?: number;
  line?: number;
  /** What was expected there, and what was found. */
  expected?: string;
  found?: string;
  /** One or more concrete commands or steps that fix it. */
  fix?: string | readonly string[];
  cause?: unknown;
}

export class MlcheckError extends Error {
  readonly kind: ErrorKind;
  readonly details: ErrorDetails;

  constructor(kind: ErrorKind, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'MlcheckError';
    this.kind = kind;
    this.details = details;
  }

  /** The message with location and fixes, as printed to an operator. */
  describe(): string {
    const d = this.details;
    const parts = [this.message];
    const where = [d.file, d.line !== undefined ? `line ${d.line}` : undefined, d.offset !== undefined ? `offset ${d.offset}` : undefined]
      .filter((p) => p !== undefined)
      .join(', ');
    if (where && !this.message.includes(d.file ?? '\0')) parts.push(`  at: ${where}`);
    if (d.expected !== undefined) parts.push(`  expected: ${d.expected}`);
    if (d.found !== undefined) parts.push(`  found: ${d.found}`);
    const fixes = d.fix === undefined ? [] : typeof d.fix === 'string' ? [d.fix] : d.fix;
    for (const fix of fixes) parts.push(`  fix: ${fix}`);
    return parts.join('\n');
  }
}

export class UsageError extends MlcheckError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('usage', message, details);
    this.name = 'UsageError';
  }
}

/** A stated requirement is missing: the case is `skip`ped with this reason, never silently dropped. */
export class RequirementError extends MlcheckError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('requirement', message, details);
    this.name = 'RequirementError';
  }
}

export class DataError extends MlcheckError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('data', message, details);
    this.name = 'DataError';
  }
}

export function describeError(error: unknown): string {
  if (error instanceof MlcheckError) return error.describe();
  if (error instanceof Error) return error.message;
  return String(error);
}

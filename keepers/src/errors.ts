/** Parameters of {@link VeritrainError}. */
export type VeritrainErrorParameters = {
  /** Stable, machine-readable code, e.g. `JOB_SPEC_INVALID`. */
  code: string;
  /** Extra context for logs: the field, the rule, the offending value. */
  details?: Record<string, unknown>;
  /** The lower-level error this one wraps. */
  cause?: unknown;
};

/**
 * The one error class of the keepers. Every thrown error is a VeritrainError (or a subclass)
 * with a stable `code`, a short message naming the bad thing and the rule it broke, and an
 * optional `cause` chain.
 *
 * @example
 * throw new VeritrainError("epochs must be a positive integer, got 0", {
 *   code: "JOB_SPEC_INVALID",
 *   details: { field: "epochs", value: 0 },
 * });
 */
export class VeritrainError extends Error {
  override name = "VeritrainError";
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(shortMessage: string, { code, details = {}, cause }: VeritrainErrorParameters) {
    super(shortMessage, cause === undefined ? undefined : { cause });
    this.code = code;
    this.details = Object.freeze({ ...details });
  }
}

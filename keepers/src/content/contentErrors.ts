import type { CID } from "multiformats/cid";
import { VeritrainError } from "../errors.ts";

/** Parameters of {@link contentNotFound}. */
export type ContentNotFoundParameters = {
  cid: CID;
  /** The backend that looked (`helia`, `kubo`, `pinning`). */
  backend: string;
  /** The abort, timeout or backend error that ended the search. */
  cause?: unknown;
};

/**
 * The error every backend throws when a block cannot be found before the caller's signal
 * aborts, so callers (challengers, provers) handle one code whatever the backend.
 *
 * @example
 * throw contentNotFound({ cid, backend: "helia", cause: err });
 */
export function contentNotFound({ cid, backend, cause }: ContentNotFoundParameters): VeritrainError {
  return new VeritrainError(`block ${cid} was not found by the ${backend} content store before the deadline`, {
    code: "CONTENT_NOT_FOUND",
    details: { cid: cid.toString(), backend },
    cause,
  });
}

/** Parameters of {@link contentBackendFailed}. */
export type ContentBackendFailedParameters = {
  /** The backend that failed. */
  backend: string;
  /** What was being done, e.g. `block/put`, `POST /pins`. */
  operation: string;
  /** Extra non-secret context (CID, HTTP status). Never put tokens here. */
  details?: Record<string, unknown>;
  cause?: unknown;
};

/**
 * The error for a backend that answered with a failure (HTTP error, refused connection)
 * other than "not found".
 *
 * @example
 * throw contentBackendFailed({ backend: "kubo", operation: "pin/add", details: { cid: cid.toString() }, cause: err });
 */
export function contentBackendFailed({ backend, operation, details = {}, cause }: ContentBackendFailedParameters): VeritrainError {
  const reason = cause instanceof Error ? `: ${cause.message}` : "";
  return new VeritrainError(`${backend} content store failed at ${operation}${reason}`, {
    code: "CONTENT_BACKEND_FAILED",
    details: { backend, operation, ...details },
    cause,
  });
}

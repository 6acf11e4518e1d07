import { VeritrainError } from "../errors.ts";

/** JSON values the canonical form accepts: no floats, no null, no booleans. */
export type CanonicalJsonValue = string | number | CanonicalJsonValue[] | { [key: string]: CanonicalJsonValue };

/**
 * Canonical JSON: object keys sorted by UTF-16 code units (JavaScript's default sort), no
 * whitespace, strings as `JSON.stringify` writes them, numbers only as safe integers in plain
 * decimal. For this subset it is identical to RFC 8785 (JCS).
 *
 * @example
 * canonicalJson({ b: 1, a: ["x"] }); // '{"a":["x"],"b":1}'
 */
export function canonicalJson(value: CanonicalJsonValue): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) {
      throw new VeritrainError(`canonical JSON numbers must be safe integers, got ${value}`, {
        code: "CANONICAL_JSON_INVALID", details: { value },
      });
    }
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key]!)}`).join(",")}}`;
}

import { VeritrainError } from "../errors.ts";
import { DECIMAL, MAX_DECIMAL_EXPONENT } from "../training/jobSpec.ts";

/** A rational number with BigInt numerator and positive denominator, in lowest terms where produced here. */
export type Rational = {
  numerator: bigint;
  denominator: bigint;
};

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/**
 * The rational in lowest terms of numerator/denominator (denominator > 0).
 *
 * @example
 * reduceRational(6n, 4n); // { numerator: 3n, denominator: 2n }
 */
export function reduceRational(numerator: bigint, denominator: bigint): Rational {
  const divisor = gcd(numerator < 0n ? -numerator : numerator, denominator);
  return { numerator: numerator / divisor, denominator: denominator / divisor };
}

/**
 * The exact value of a job-spec decimal string (docs/training.md §9's syntax, e.g. "1.1", "5e-1") as
 * a rational in lowest terms, with no binary rounding: digits·10^(exponent − fraction digits), so
 * "1.1" is 11/10 (docs/dp-noise.md §4).
 *
 * @param field The spec field, for the error.
 * @throws VeritrainError `PRIVACY_SPEC_INVALID` if `text` is not such a string or its exponent is
 *   outside [−64, 64].
 * @example
 * decimalRational("1.25e1", "noiseMultiplier"); // { numerator: 25n, denominator: 2n }
 */
export function decimalRational(text: unknown, field: string): Rational {
  const match = typeof text === "string" ? DECIMAL.exec(text) : null;
  if (match === null) {
    throw new VeritrainError(`${field} must be a non-negative decimal string like "1.1" or "5e-1", got ${JSON.stringify(text)}: write the exact value as a string`, {
      code: "PRIVACY_SPEC_INVALID",
      details: { field, value: text, rule: "decimal string" },
    });
  }
  const [, whole, fraction = ".", exponentPart = "e0"] = match;
  const exponent = Number(exponentPart.slice(1));
  if (Math.abs(exponent) > MAX_DECIMAL_EXPONENT) {
    throw new VeritrainError(`${field} has exponent ${exponent}, outside [−${MAX_DECIMAL_EXPONENT}, ${MAX_DECIMAL_EXPONENT}]: write the value with a smaller exponent`, {
      code: "PRIVACY_SPEC_INVALID",
      details: { field, value: text, rule: "exponent range" },
    });
  }
  const power = exponent - (fraction.length - 1);
  const digits = BigInt(whole! + fraction.slice(1));
  return power >= 0 ? { numerator: digits * 10n ** BigInt(power), denominator: 1n } : reduceRational(digits, 10n ** BigInt(-power));
}

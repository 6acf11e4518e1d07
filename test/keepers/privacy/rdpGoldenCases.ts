// The accountant's golden cases, shared by rdpAccountant.test.ts and its worker thread: each result
// as the hex of its binary64 bits, so two runs compare bit for bit.
import { noiseMultiplierForTarget } from "../../../keepers/src/privacy/noiseMultiplierForTarget.ts";
import { computeEpsilon } from "../../../keepers/src/privacy/rdpAccountant.ts";

/** TF-Privacy's orders in `compute_dp_sgd_privacy` (tensorflow/privacy be8175b). */
export const TF_PRIVACY_ORDERS: readonly number[] = [
  1.25,
  1.5,
  1.75,
  2,
  2.25,
  2.5,
  3,
  3.5,
  4,
  4.5,
  ...Array.from({ length: 59 }, (_, k) => 5 + k),
  128,
  256,
  512,
];

/** Hex of a binary64's bits, big-endian. */
export function float64Hex(x: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigUint64(0).toString(16).padStart(16, "0");
}

/** Results of the golden cases: name → hex bits. */
export function goldenCaseResults(): Record<string, string> {
  const opacus = computeEpsilon({ sampleRate: 0.04, noiseMultiplier: 1.5, steps: 2250, delta: 1e-5 });
  const tfPrivacy = computeEpsilon({ sampleRate: 150 / 60000, noiseMultiplier: 1.3, steps: 6000, delta: 1e-5, orders: TF_PRIVACY_ORDERS });
  const search = noiseMultiplierForTarget({ sampleRate: 0.04, steps: 2000, targetEpsilon: 8, delta: 1e-5 });
  return {
    opacusEpsilon: float64Hex(opacus.epsilon),
    tfPrivacyEpsilon: float64Hex(tfPrivacy.epsilon),
    searchNoiseMultiplier: float64Hex(search.noiseMultiplier),
    searchEpsilon: float64Hex(search.epsilon),
  };
}

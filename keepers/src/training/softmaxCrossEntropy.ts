import { exp32, logF64 } from "./deterministicMath.ts";

/** Parameters of {@link softmaxCrossEntropy}. */
export type SoftmaxCrossEntropyParameters = {
  /** Logits [n][classes]. */
  logits: Float32Array;
  /** Class labels of the n examples. */
  labels: Uint8Array;
  n: number;
  classes: number;
  /** The full batch size B the mean loss divides by (not the micro-batch size). */
  batchSize: number;
  /** Receives dLoss/dlogits [n][classes]; omitted for evaluation. */
  gradient?: Float32Array;
};

/** Scratch for the exponentials of one example, reused across calls (one per thread). */
let exponentials = new Float64Array(16);

/** Loss and accuracy of a group of examples. */
export type LossSummary = {
  /** Σ of per-example cross-entropy, binary64, in example order. */
  lossSum: number;
  /** Number of examples whose first maximal logit is the label. */
  correct: number;
};

/**
 * Softmax cross-entropy of the mean over a batch of B examples. Per example: m = first maximal
 * logit, e_j = exp32(z_j − m), S = Σ_j e_j (binary64, j ascending), p_j = e_j / S,
 * gradient_j = fround((p_j − [j = label]) / B), loss = ln S − (z_label − m).
 *
 * @example
 * softmaxCrossEntropy({ logits, labels, n: 16, classes: 10, batchSize: 64, gradient });
 */
export function softmaxCrossEntropy(p: SoftmaxCrossEntropyParameters): LossSummary {
  const { logits, labels, n, classes, batchSize, gradient } = p;
  let lossSum = 0;
  let correct = 0;
  if (exponentials.length < classes) exponentials = new Float64Array(classes);
  const e = exponentials;
  for (let s = 0; s < n; s++) {
    const row = s * classes;
    let best = 0;
    let max = logits[row]!;
    for (let j = 1; j < classes; j++) {
      if (logits[row + j]! > max) {
        max = logits[row + j]!;
        best = j;
      }
    }
    const label = labels[s]!;
    if (best === label) correct++;
    let sum = 0;
    for (let j = 0; j < classes; j++) {
      e[j] = exp32(logits[row + j]! - max);
      sum += e[j]!;
    }
    lossSum += logF64(sum) - (logits[row + label]! - max);
    if (gradient !== undefined) {
      for (let j = 0; j < classes; j++) {
        gradient[row + j] = (e[j]! / sum - (j === label ? 1 : 0)) / batchSize;
      }
    }
  }
  return { lossSum, correct };
}

import { createLeNet5Onnx } from "./lenet5.ts";
import { createResidualCnnOnnx } from "./residualCnn.ts";
import { createTransformerOnnx } from "./transformer.ts";

/** A model a job can name by template: its initial weights come from a seed. */
export type ModelTemplate = {
  /** What it is, for help texts. */
  description: string;
  /** The ONNX model file of initial-weight seed `seed`. */
  create: (seed: bigint) => Uint8Array;
};

/**
 * The model templates a job can name (CLI `job post --template`, the web app's post-job form). `lenet5` and
 * `lenet5-classic` run on the training VM; a job on any other (BatchNorm, residual connections, attention) commits no
 * program, so a committee disputes it.
 */
export const MODEL_TEMPLATES = {
  lenet5: { description: "LeNet-5 (ReLU, max pooling)", create: (seed) => createLeNet5Onnx({ seed }) },
  "lenet5-batchnorm": { description: "LeNet-5 with a BatchNorm after each Conv and hidden Gemm", create: (seed) => createLeNet5Onnx({ seed, batchNorm: true }) },
  "lenet5-classic": { description: "LeCun's LeNet-5 (Tanh, average pooling)", create: (seed) => createLeNet5Onnx({ seed, activation: "tanh", pooling: "average" }) },
  resnet: { description: "a residual CNN with BatchNorm (two basic blocks, 44,202 parameters)", create: (seed) => createResidualCnnOnnx({ seed }) },
  transformer: {
    description: "a transformer encoder reading 28 row tokens (2 layers, 4 heads, width 64; 104,394 parameters)",
    create: (seed) => createTransformerOnnx({ seed, width: 64, layers: 2, heads: 4 }),
  },
} as const satisfies Record<string, ModelTemplate>;

/** A key of {@link MODEL_TEMPLATES}. */
export type ModelTemplateName = keyof typeof MODEL_TEMPLATES;

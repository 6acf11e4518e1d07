import { MAX_BLOCK_BYTES } from "../../../keepers/src/content/contentStore.ts";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { importOnnxModel } from "../../../keepers/src/training/onnxImport.ts";

/** What {@link checkOnnxModel} found: a trainable MNIST classifier, or the first reason it is not. */
export type OnnxModelCheck = { ok: true; summary: string } | { ok: false; message: string };

const MNIST_PIXELS = 28 * 28;
const MNIST_CLASSES = 10;

/**
 * Checks an ONNX file in the browser with the engine's own importer (`importOnnxModel`, its
 * supported ops `SUPPORTED_ONNX_OPS` and attributes): an unsupported op is named with its node
 * and the supported ones listed. Also that it fits one IPFS block and classifies 28×28 MNIST
 * images into 10 classes.
 *
 * @example
 * const check = checkOnnxModel(new Uint8Array(await file.arrayBuffer()));
 * if (!check.ok) setError(check.message);
 */
export function checkOnnxModel(bytes: Uint8Array): OnnxModelCheck {
  if (bytes.byteLength > MAX_BLOCK_BYTES) return { ok: false, message: `The model file is ${bytes.byteLength} bytes; a model must fit one IPFS block of ${MAX_BLOCK_BYTES} bytes.` };
  let definition;
  try {
    ({ definition } = importOnnxModel(bytes));
  } catch (error) {
    if (!(error instanceof VeritrainError)) throw error;
    return { ok: false, message: `The engine cannot train this model: ${error.message}.` };
  }
  const inputs = definition.inputShape.reduce((a, b) => a * b, 1);
  if (inputs !== MNIST_PIXELS || definition.classes !== MNIST_CLASSES) {
    return { ok: false, message: `The model takes ${inputs} inputs and gives ${definition.classes} classes; MNIST has ${MNIST_PIXELS} pixels and ${MNIST_CLASSES} classes.` };
  }
  const ops = definition.layers.map((layer) => layer.kind).join(" → ");
  return { ok: true, summary: `${definition.layers.length} layers (${ops}), ${definition.parameterCount.toLocaleString("en")} parameters, input [${definition.inputShape.join("×")}], ${definition.classes} classes` };
}

import wasmUrl from "onnxruntime-web/ort-wasm-simd-threaded.wasm?url";

type OnnxRuntime = typeof import("onnxruntime-web/wasm");

let cached: Promise<OnnxRuntime> | undefined;

/**
 * onnxruntime-web (its CPU/WASM build), imported on first use: its JS and its ~14 MB WASM stay
 * out of the initial load. The WASM is served from this build (Vite emits it as an asset; no CDN),
 * single-threaded so it runs without cross-origin isolation.
 *
 * @example
 * const ort = await loadOnnxRuntime();
 * const session = await ort.InferenceSession.create(onnxBytes);
 */
export function loadOnnxRuntime(): Promise<OnnxRuntime> {
  cached ??= import("onnxruntime-web/wasm").then((ort) => {
    ort.env.wasm.wasmPaths = { wasm: new URL(wasmUrl, document.baseURI).href };
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    return ort;
  });
  return cached;
}

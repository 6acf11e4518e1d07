/**
 * binary32 input value of each pixel byte: PIXEL_TO_FLOAT[b] = fround(b / 255). The engine never
 * divides in the hot loop; it looks the value up here. Every consumer of MNIST pixels (the
 * engine, onnxruntime checks, the web app's drawing pad) normalises through this one table.
 */
export const PIXEL_TO_FLOAT: Float32Array = Float32Array.from({ length: 256 }, (_, b) => b / 255);

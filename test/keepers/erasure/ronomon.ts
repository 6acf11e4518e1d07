import { createRequire } from "node:module";

/** The native peer @ronomon/reed-solomon (CommonJS N-API addon), typed for the calls made here. */
export type Ronomon = {
  MAX_K: number;
  MAX_M: number;
  create(k: number, m: number): Buffer;
  encode(
    context: Buffer, sources: number, targets: number,
    buffer: Buffer, bufferOffset: number, bufferSize: number,
    parity: Buffer, parityOffset: number, paritySize: number,
    callback: (error?: Error) => void,
  ): void;
};
export const ronomon = createRequire(import.meta.url)("@ronomon/reed-solomon") as Ronomon;

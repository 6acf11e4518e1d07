import wabt from "wabt";
import { poseidonWat } from "./poseidonWat.ts";

/**
 * Assembles the Poseidon WAT into a wasm binary with wabt (dev dependency: used only by the
 * generator script and the test that checks the committed binary is up to date).
 *
 * @example
 * const bytes = await compilePoseidonWat();
 */
export async function compilePoseidonWat(): Promise<Uint8Array> {
  const toolkit = await wabt();
  const module = toolkit.parseWat("poseidon.wat", poseidonWat(), { bulk_memory: true, simd: true });
  try {
    module.validate();
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CHUNK_BYTES, packChunk } from "../../../keepers/src/commitments/chunkPacking.ts";
import { FIELD_MODULUS } from "../../../keepers/src/commitments/field.ts";
import { POSEIDON_WASM_BASE64 } from "../../../keepers/src/commitments/poseidonWasmBinary.ts";
import { compilePoseidonWat } from "../../../keepers/src/commitments/poseidonWasmBuild.ts";
import { PoseidonWasm } from "../../../keepers/src/commitments/poseidonWasm.ts";
import { ELEMENT_BYTES } from "../../../keepers/src/commitments/poseidonWat.ts";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { referencePoseidon } from "./referenceCommitment.ts";
import { SeededRandom } from "./seededRandom.ts";

describe("PoseidonWasm", () => {
  const poseidon = PoseidonWasm.create();

  it("equals circomlibjs on 40 seeded random inputs for every width t = 2..17", () => {
    const random = new SeededRandom(17n);
    for (let inputs = 1; inputs <= 16; inputs++) {
      for (let round = 0; round < 40; round++) {
        const values = Array.from({ length: inputs }, () => random.bits(256) % FIELD_MODULUS);
        assert.equal(poseidon.hash(values), referencePoseidon(values), `t = ${inputs + 1}, round ${round}`);
      }
    }
  });

  it("equals circomlibjs on edge values 0, 1, p - 1, 2^248 - 1", () => {
    const edges = [0n, 1n, FIELD_MODULUS - 1n, (1n << 248n) - 1n];
    for (let inputs = 1; inputs <= 16; inputs++) {
      for (const edge of edges) {
        const values = Array.from({ length: inputs }, (_, i) => (i % 2 === 0 ? edge : FIELD_MODULUS - 1n - edge));
        assert.equal(poseidon.hash(values), referencePoseidon(values));
      }
    }
  });

  it("reduces inputs modulo p like circomlibjs, negative ones included", () => {
    assert.equal(poseidon.hash([FIELD_MODULUS + 5n, -1n]), referencePoseidon([5n, FIELD_MODULUS - 1n]));
  });

  it("matches the published circomlib vector Poseidon([1, 2])", () => {
    assert.equal(poseidon.hash([1n, 2n]), 0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189an);
  });

  it("rejects 0 or 17 inputs with a clear error", () => {
    assert.throws(() => poseidon.hash([]), (error: unknown) => error instanceof VeritrainError && error.code === "POSEIDON_WIDTH_INVALID");
    assert.throws(() => poseidon.hash(new Array<bigint>(17).fill(1n)), /inputs must hold 1 to 16 field elements, got 17/);
  });

  it("hashes two different chunks in the two SIMD lanes, each lane independent of the other", () => {
    const random = new SeededRandom(23n);
    const chunks = [random.bytes(CHUNK_BYTES), random.bytes(CHUNK_BYTES), new Uint8Array(CHUNK_BYTES).fill(255)];
    const input = poseidon.allocate(chunks.length * CHUNK_BYTES + 8);
    const out = poseidon.allocate(2 * ELEMENT_BYTES);
    chunks.forEach((chunk, i) => poseidon.memory.set(chunk, input + i * CHUNK_BYTES));
    const expected = chunks.map((chunk) => referencePoseidon(packChunk(chunk)));
    for (const [a, b] of [[0, 1], [1, 0], [0, 2], [2, 2]] as const) {
      poseidon.hashChunks(out, out + ELEMENT_BYTES, input + a * CHUNK_BYTES, input + b * CHUNK_BYTES);
      assert.equal(poseidon.readElement(out), expected[a], `lane A, chunks ${a} and ${b}`);
      assert.equal(poseidon.readElement(out + ELEMENT_BYTES), expected[b], `lane B, chunks ${a} and ${b}`);
    }
  });

  it("hashes two sets of four children at once like circomlibjs Poseidon4, outputs overwriting inputs", () => {
    const values = [FIELD_MODULUS - 1n, 7n, 0n, 1n << 253n, 3n, FIELD_MODULUS - 2n, 1n, 1n << 200n];
    const children = poseidon.allocate(values.length * ELEMENT_BYTES);
    values.forEach((value, i) => poseidon.writeElement(children + i * ELEMENT_BYTES, value));
    poseidon.hashChildren(children, children + ELEMENT_BYTES, children, children + 4 * ELEMENT_BYTES);
    assert.equal(poseidon.readElement(children), referencePoseidon(values.slice(0, 4)));
    assert.equal(poseidon.readElement(children + ELEMENT_BYTES), referencePoseidon(values.slice(4)));
  });

  it("ships a wasm binary identical to a fresh build of poseidonWat.ts", async () => {
    assert.equal(Buffer.from(await compilePoseidonWat()).toString("base64"), POSEIDON_WASM_BASE64);
  });
});

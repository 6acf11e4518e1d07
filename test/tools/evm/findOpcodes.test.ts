import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { hexToBytes, type Hex } from "viem";
import { findOpcodes } from "../../../tools/evm/findOpcodes.ts";
import { OPCODE_BYTES } from "../../../tools/evm/opcodes.ts";

const { JUMPDEST, MCOPY, PREVRANDAO, PUSH0, STOP, TSTORE } = OPCODE_BYTES;
/** solc's metadata tail, {ipfs: <34 bytes>, solc: 0.8.37}, and its length; the hash reads as JUMPDEST PREVRANDAO … */
const METADATA = hexToBytes(`0xa264697066735822${"5b44".repeat(17)}64736f6c6343000825`);
const withMetadata = (code: number[]) => Uint8Array.from([...code, ...METADATA, 0x00, METADATA.length]);
const offsets = (code: Uint8Array, opcodes: number[]) => findOpcodes({ code, opcodes: new Set(opcodes) }).map(({ offset, name }) => `${offset}:${name}`);

describe("findOpcodes", () => {
  it("finds a hand-made MCOPY at its offset", () => {
    // PUSH1 0x20 PUSH0 PUSH0 MCOPY STOP: copies 32 bytes of memory, as solc emits for cancun.
    assert.deepEqual(offsets(withMetadata([0x60, 0x20, PUSH0, PUSH0, MCOPY, STOP]), [MCOPY]), ["4:MCOPY"]);
  });

  it("ignores forbidden bytes inside PUSH immediates and inside the metadata", () => {
    // The PUSH1 immediate is 0x44 (PREVRANDAO); the metadata's hash holds executable-looking JUMPDEST PREVRANDAO pairs.
    assert.deepEqual(offsets(withMetadata([0x60, PREVRANDAO]), [PREVRANDAO]), []);
  });

  describe("when data follows a terminator", () => {
    it("ignores it up to the next JUMPDEST, and reports what follows the JUMPDEST", () => {
      // STOP, then data (TSTORE MCOPY), then JUMPDEST MCOPY: only the last MCOPY can execute.
      const code = Uint8Array.of(STOP, TSTORE, MCOPY, JUMPDEST, MCOPY);
      assert.deepEqual(offsets(code, [TSTORE, MCOPY]), ["4:MCOPY"]);
    });

    it("treats an undefined byte as a terminator (it executes as INVALID)", () => {
      assert.deepEqual(offsets(Uint8Array.of(0x0c, MCOPY, JUMPDEST, MCOPY), [MCOPY]), ["3:MCOPY"]);
    });
  });

  it("finds the MCOPY solc emits in the default cancun build of DatasetRegistry", () => {
    const artifact = new URL("../../../artifacts/contracts/datasets/DatasetRegistry.sol/DatasetRegistry.json", import.meta.url);
    const { deployedBytecode } = JSON.parse(readFileSync(artifact, "utf8")) as { deployedBytecode: Hex };
    assert.ok(findOpcodes({ code: hexToBytes(deployedBytecode), opcodes: new Set([MCOPY]) }).length > 0);
  });
});

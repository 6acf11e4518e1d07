import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { disassemble } from "../../../tools/evm/disassemble.ts";

const names = (code: number[]) => disassemble(Uint8Array.from(code)).map(({ offset, name }) => `${offset}:${name}`);

describe("disassemble", () => {
  it("skips PUSH1..PUSH32 immediates, whatever bytes they hold", () => {
    // PUSH1 0x5e, PUSH2 0x44ff, PUSH32 of 0x5f bytes, MCOPY
    const code = [0x60, 0x5e, 0x61, 0x44, 0xff, 0x7f, ...Array(32).fill(0x5f), 0x5e];
    assert.deepEqual(names(code), ["0:PUSH1", "2:PUSH2", "5:PUSH32", "38:MCOPY"]);
    assert.deepEqual([...disassemble(Uint8Array.from(code))[1]!.immediate!], [0x44, 0xff]);
  });

  it("names PUSH0 and undefined bytes, and takes no immediate after PUSH0", () => {
    assert.deepEqual(names([0x5f, 0x5e, 0x0c, 0xfe]), ["0:PUSH0", "1:MCOPY", "2:UNDEFINED_0x0c", "3:INVALID"]);
  });

  describe("when the code ends inside a PUSH immediate", () => {
    it("returns the bytes present and marks the PUSH truncated", () => {
      const [stop, push] = disassemble(Uint8Array.of(0x00, 0x63, 0x44, 0xff));
      assert.equal(stop!.truncated, undefined);
      assert.deepEqual({ ...push, immediate: [...push!.immediate!] }, { offset: 1, opcode: 0x63, name: "PUSH4", immediate: [0x44, 0xff], truncated: true });
    });
  });
});

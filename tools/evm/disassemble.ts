import { OPCODE_NAMES } from "./opcodes.ts";

/** One instruction of a linear sweep. */
export type Instruction = {
  /** Byte offset of the opcode in the code. */
  offset: number;
  /** The opcode byte. */
  opcode: number;
  /** Its name; `UNDEFINED_0x..` for a byte no fork defines (it executes as INVALID). */
  name: string;
  /** PUSH1..PUSH32: the immediate bytes present (fewer than the PUSH's width when the code ends first). */
  immediate?: Uint8Array;
  /** A PUSH whose immediate runs past the end of the code. */
  truncated?: boolean;
};

/**
 * Disassembles EVM code by linear sweep: every byte is an opcode except PUSH1..PUSH32 immediates, which
 * are skipped. Data appended to code (Solidity's CBOR metadata: strip it first with `stripMetadata`,
 * or constructor arguments) is read as instructions too.
 *
 * @example
 * disassemble(Uint8Array.of(0x60, 0x44, 0x5e)) // PUSH1 0x44 at 0, MCOPY at 2: the 0x44 is data
 */
export function disassemble(code: Uint8Array): Instruction[] {
  const instructions: Instruction[] = [];
  for (let offset = 0; offset < code.length; ) {
    const opcode = code[offset]!;
    const name = OPCODE_NAMES.get(opcode) ?? `UNDEFINED_0x${opcode.toString(16).padStart(2, "0")}`;
    const width = opcode >= 0x60 && opcode <= 0x7f ? opcode - 0x5f : 0;
    if (width === 0) {
      instructions.push({ offset, opcode, name });
    } else {
      const immediate = code.subarray(offset + 1, offset + 1 + width);
      instructions.push({ offset, opcode, name, immediate, ...(immediate.length < width && { truncated: true }) });
    }
    offset += 1 + width;
  }
  return instructions;
}

import { disassemble, type Instruction } from "./disassemble.ts";
import { stripMetadata } from "./stripMetadata.ts";

export type FindOpcodesParameters = {
  /** Contract code as solc emits it (creation or deployed), metadata included. */
  code: Uint8Array;
  /** The opcode bytes to look for. */
  opcodes: ReadonlySet<number>;
};

/**
 * The instructions of `code` (its solc metadata stripped) whose opcode is one of `opcodes`, in code
 * order. A linear sweep reads any data section as code, so a hit can be a false alarm; never a miss.
 *
 * @example
 * findOpcodes({ code, opcodes: new Set([0x44, 0x5e]) }) // [{ offset: 812, opcode: 0x5e, name: "MCOPY" }]
 */
export function findOpcodes({ code, opcodes }: FindOpcodesParameters): Instruction[] {
  return disassemble(stripMetadata(code)).filter((instruction) => opcodes.has(instruction.opcode));
}

import { disassemble, type Instruction } from "./disassemble.ts";
import { stripMetadata } from "./stripMetadata.ts";

/** Opcodes after which execution never falls through to the next byte. */
const TERMINATORS = new Set(["STOP", "JUMP", "RETURN", "REVERT", "INVALID", "SELFDESTRUCT"]);

export type FindOpcodesParameters = {
  /** Contract code as solc emits it (creation or deployed), metadata included. */
  code: Uint8Array;
  /** The opcode bytes to look for. */
  opcodes: ReadonlySet<number>;
};

/**
 * The instructions of `code` (solc metadata stripped) that the EVM could execute and whose opcode is
 * one of `opcodes`, in code order. An instruction can execute when it follows one that falls through,
 * or starts at a JUMPDEST; every JUMPDEST counts as a jump target. The bytes after a terminator up to
 * the next JUMPDEST are data (solc appends constants such as the BN254 prime after the code, whose
 * bytes would read as TSTORE) and are not reported. Since the EVM finds JUMPDESTs by the same linear
 * sweep, nothing executable is missed; data holding a 0x5b byte can still give a false alarm.
 *
 * @example
 * findOpcodes({ code, opcodes: new Set([0x44, 0x5e]) }) // [{ offset: 812, opcode: 0x5e, name: "MCOPY" }]
 */
export function findOpcodes({ code, opcodes }: FindOpcodesParameters): Instruction[] {
  const found: Instruction[] = [];
  let executable = true;
  for (const instruction of disassemble(stripMetadata(code))) {
    if (instruction.name === "JUMPDEST") executable = true;
    if (executable && opcodes.has(instruction.opcode)) found.push(instruction);
    if (TERMINATORS.has(instruction.name) || instruction.name.startsWith("UNDEFINED_")) executable = false;
  }
  return found;
}

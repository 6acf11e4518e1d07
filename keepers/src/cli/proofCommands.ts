import type { Command } from "commander";
import { readStorageProofRecord, verifyStorageProofRecord } from "../proofs/storageProofRecord.ts";
import { declareKeyUse, setUpCommand } from "./commandContext.ts";

/**
 * Registers `proof verify <file>`: checks a storage proof record off-chain against the chain.
 *
 * @example
 * registerProofCommands(program);
 */
export function registerProofCommands(program: Command): void {
  const proof = program.command("proof").description("storage proofs");
  declareKeyUse(proof.command("verify <file>"), "reads")
    .description("verify a storage proof record (as the storage role keeps it) off-chain against the registered column root, the round's seed, the prover and the dataset's anchored verifying key; exits 1 if invalid")
    .action(async (file: string, _o: unknown, command: Command) => {
      const record = await readStorageProofRecord(file);
      const { runtime, chain } = await setUpCommand(command, "proof-verify");
      try {
        const verdict = await verifyStorageProofRecord({ chain, record });
        console.log(JSON.stringify({ ...record, ...verdict }, null, 2));
        if (!verdict.valid) process.exitCode = 1;
      } finally {
        await runtime.close();
      }
    });
}

import type { Command } from "commander";
import { declareKeyUse, setUpCommand } from "./commandContext.ts";
import { printOutput, table } from "./printOutput.ts";

/**
 * Registers `proof verify <file>`: checks a storage proof record off-chain against the chain.
 *
 * @example
 * registerProofCommands(program);
 */
export function registerProofCommands(program: Command): void {
  const proof = program.command("proof").description("storage proofs");
  declareKeyUse(proof.command("verify <file>"), "reads")
    .description("verify a storage proof record (as the storage role keeps it) against everything StorageProofs.submitProof checks, as the chain was in the record's round: the round opened and audited the column, the prover held it then, the chain accepted its proof before the deadline, the public signals are [registered root, prover, seed], and the dataset's bound verifier (and the local key, when it is that version's) accepts the proof; prints every failed check as a reason and exits 1 if any failed")
    .action(async (file: string, _o: unknown, command: Command) => {
      // Imported here: the verifier's snarkjs is this command's alone.
      const { readStorageProofRecord, verifyStorageProofRecord } = await import("../proofs/storageProofRecord.ts");
      const record = await readStorageProofRecord(file);
      const { runtime, chain } = await setUpCommand(command, "proof-verify");
      try {
        const verdict = await verifyStorageProofRecord({ chain, record });
        printOutput(command, { ...record, ...verdict }, [
          `${verdict.valid ? "valid" : "INVALID"}: proof of column ${record.column} of dataset ${record.datasetId}, round ${record.round}, by ${record.prover}`,
          ...verdict.reasons.map((reason) => `  - ${reason}`),
          ...table([
            ["column root", verdict.columnRoot ?? "-"],
            ["seed", verdict.seed ?? "-"],
            ["verifier", `version ${verdict.verifierVersion} (key ${verdict.verifyingKeyHash})`],
          ]),
        ]);
        if (!verdict.valid) process.exitCode = 1;
      } finally {
        await runtime.close();
      }
    });
}

import { fileURLToPath } from "node:url";
import * as snarkjs from "snarkjs";
import { columnRoot } from "../keepers/src/commitments/columnRoot.ts";
import { STORAGE_CIRCUIT_FILES, StorageProver } from "../keepers/src/proofs/storageProver.ts";
import { storageWitness } from "../keepers/src/proofs/storageWitness.ts";
import { SeededRandom } from "../test/keepers/commitments/seededRandom.ts";
const column = new SeededRandom(7n).bytes(8 << 20);
const { root, leafCount } = await columnRoot({ column, threads: 2 });
const prover = await StorageProver.load();
for (let run = 0; run < 8; run++) {
  const input = await storageWitness({ column, columnRoot: root, boundSeed: BigInt(1000 + run), leafCount });
  const cpu = process.cpuUsage(); const t = performance.now();
  await prover.prove(input);
  const c = process.cpuUsage(cpu);
  console.log(`run ${run} wall ${((performance.now() - t) / 1000).toFixed(2)} s, cpu ${((c.user + c.system) / 1e6).toFixed(2)} s`);
  if (run >= 4) { const t2 = performance.now(); await snarkjs.groth16.fullProve(input, fileURLToPath(STORAGE_CIRCUIT_FILES.wasm), fileURLToPath(STORAGE_CIRCUIT_FILES.zkey)); console.log(`  snarkjs ${((performance.now() - t2) / 1000).toFixed(2)}`); }
}
await prover.close();

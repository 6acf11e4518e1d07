/**
 * Worker thread of PairingThread (pairingThread.ts): initialises its own mcl-wasm instance, says "ready"
 * once, then loops forever blocked in Atomics.wait on the shared buffer's request word. For each
 * request it reads −A and B, computes millerLoopInG2 (B ∈ G2, then e'(−A, B)), writes the
 * Miller value and a status, and notifies the answer word. It never returns to its event loop
 * (requests do not come by message); the owner stops it with `worker.terminate()`, which
 * interrupts the wait.
 */
import { parentPort, workerData } from "node:worker_threads";
import { G1_BYTES, G2_BYTES, GT_BYTES, loadBn254, mclCApi, millerLoopInG2 } from "./bn254.ts";
import { SHARED, STATUS, readShared, writeShared } from "./pairingThread.ts";

const { shared } = workerData as { shared: SharedArrayBuffer };
const control = new Int32Array(shared, 0, 4);
const bn254 = await loadBn254();
const heap = mclCApi(bn254)._malloc(GT_BYTES);
const negA = new bn254.G1();
const b = new bn254.G2();
parentPort?.postMessage("ready");

for (let answered = 0; ; ) {
  Atomics.wait(control, SHARED.request, answered);
  const request = Atomics.load(control, SHARED.request);
  if (request === answered) continue;
  let status: number;
  try {
    readShared(bn254, negA, G1_BYTES, heap, shared, SHARED.g1);
    readShared(bn254, b, G2_BYTES, heap, shared, SHARED.g2);
    const miller = millerLoopInG2(bn254, negA, b);
    if (miller !== undefined) writeShared(bn254, miller, GT_BYTES, heap, shared, SHARED.gt);
    status = miller === undefined ? STATUS.outsideG2 : STATUS.inG2;
  } catch {
    // Reported, not thrown: the caller computes this request itself and stops using the thread.
    status = STATUS.failed;
  }
  Atomics.store(control, SHARED.status, status);
  Atomics.store(control, SHARED.answer, request);
  Atomics.notify(control, SHARED.answer);
  answered = request;
}

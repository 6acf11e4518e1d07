// A Helia node in a worker thread that dials a peer, then blocks its event loop for `busyMs` (as `job post` does
// computing a program right after dialing), then serves until told to close. For heliaContentStore.test.ts.
import { parentPort, workerData } from "node:worker_threads";
import { createHeliaContentStore } from "../../../keepers/src/content/heliaContentStore.ts";

const { directory, peer, bytes, busyMs } = workerData as { directory: string; peer: string; bytes: Uint8Array; busyMs: number };
const store = await createHeliaContentStore({ directory, listen: true });
const cid = await store.put(bytes);
await store.dial(peer);
parentPort!.postMessage({ cid: cid.toString() });
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, busyMs);
parentPort!.once("message", async () => {
  await store.close();
  parentPort!.close();
});

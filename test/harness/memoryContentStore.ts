import { contentNotFound } from "../../keepers/src/content/contentErrors.ts";
import { rawBlockCid, type ContentStore } from "../../keepers/src/content/contentStore.ts";

/** A Map-backed {@link ContentStore}: blocks under their raw-block CID, and the pinned set. */
export function memoryStore() {
  const blocks = new Map<string, Uint8Array>();
  const pins = new Set<string>();
  const store: ContentStore = {
    backend: "memory",
    async put(bytes) {
      const cid = await rawBlockCid(bytes);
      blocks.set(cid.toString(), bytes.slice());
      return cid;
    },
    async get(cid) {
      const bytes = blocks.get(cid.toString());
      if (bytes === undefined) throw contentNotFound({ cid, backend: "memory" });
      return bytes;
    },
    has: async (cid) => blocks.has(cid.toString()),
    pin: async (cid) => void pins.add(cid.toString()),
    unpin: async (cid) => void pins.delete(cid.toString()),
    async remove(cid) {
      pins.delete(cid.toString());
      blocks.delete(cid.toString());
    },
    isPinned: async (cid) => pins.has(cid.toString()),
    close: async () => {},
  };
  return { store, blocks, pins };
}

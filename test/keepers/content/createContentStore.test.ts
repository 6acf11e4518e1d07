import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { rawBlockCid, type ContentStore } from "../../../keepers/src/content/contentStore.ts";
import { createContentStore, type ContentStoreConfig } from "../../../keepers/src/content/createContentStore.ts";
import { startKuboRpcStandIn, type KuboRpcStandIn } from "./kuboRpcStandIn.ts";
import { startPinningServiceStandIn, type PinningServiceStandIn } from "./pinningServiceStandIn.ts";

const VERITRAIN_CID = "bafkreiajt5hatjxgj2w7qwrc5mtfiswd5yhhj7xnb2zlwdbjlvsbdgde5y";

describe("createContentStore", () => {
  let root: string;
  let kubo: KuboRpcStandIn;
  let service: PinningServiceStandIn;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "veritrain-create-"));
    kubo = await startKuboRpcStandIn();
    service = await startPinningServiceStandIn({ token: "env-token" });
  });
  after(async () => {
    await kubo?.close();
    await service?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("every backend gives the same CID for the same bytes, equal to the committed vector", async () => {
    const stores: ContentStore[] = [
      await createContentStore({ config: { backend: "helia", directory: join(root, "helia") } }),
      await createContentStore({ config: { backend: "kubo", url: kubo.url } }),
      await createContentStore({
        config: { backend: "pinning", endpointUrl: service.endpointUrl, local: { directory: join(root, "pinning") } },
        env: { VERITRAIN_PINNING_TOKEN: "env-token" },
      }),
    ];
    try {
      const bytes = new TextEncoder().encode("veritrain");
      const cids = await Promise.all(stores.map((store) => store.put(bytes)));
      assert.deepEqual(
        stores.map((store) => store.backend),
        ["helia", "kubo", "pinning"],
      );
      for (const cid of cids) assert.equal(cid.toString(), VERITRAIN_CID);
      assert.equal((await rawBlockCid(bytes)).toString(), VERITRAIN_CID);
      await stores[2]!.pin(cids[2]!);
      assert.equal(await stores[2]!.isPinned(cids[2]!), true, "the token from the environment was accepted");
    } finally {
      await Promise.allSettled(stores.map((store) => store.close()));
    }
  });

  const invalid: Array<[string, unknown, RegExp]> = [
    ["an unknown backend", { backend: "s3" }, /unknown content store backend "s3"; use "helia", "kubo" or "pinning"/],
    ["helia without a directory", { backend: "helia" }, /the helia content store needs directory/],
    ["kubo without a URL", { backend: "kubo" }, /the kubo content store needs url/],
    ["kubo with a non-URL", { backend: "kubo", url: "localhost:5001" }, /kubo content store's url must be http\(s\)|is not a URL/],
    ["pinning without a token", { backend: "pinning", endpointUrl: "https://pin.example", local: { directory: "x" } }, /needs accessToken \(or \$VERITRAIN_PINNING_TOKEN\)/],
    ["pinning without an endpoint", { backend: "pinning", accessToken: "t", local: { directory: "x" } }, /the pinning content store needs endpointUrl/],
    ["pinning without a local node", { backend: "pinning", endpointUrl: "https://pin.example", accessToken: "t" }, /needs local.directory/],
  ];
  for (const [name, config, message] of invalid) {
    it(`rejects ${name} with CONTENT_STORE_CONFIG_INVALID`, async () => {
      await assert.rejects(createContentStore({ config: config as ContentStoreConfig, env: {} }), {
        code: "CONTENT_STORE_CONFIG_INVALID",
        message,
      });
    });
  }
});

import assert from "node:assert/strict";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { isAddressEqual } from "viem";
import type { ProtocolConnection } from "../../../keepers/src/chain/protocolContracts.ts";
import type { HeliaContentStore } from "../../../keepers/src/content/heliaContentStore.ts";
import { waitFor } from "../../../keepers/src/devnet/waitFor.ts";
import type { StorageProver } from "../../../keepers/src/proofs/storageProver.ts";
import { createRoleHealth } from "../../../keepers/src/runtime/roleHealth.ts";
import { runStorageRole } from "../../../keepers/src/storage/storageRole.ts";
import { registerMnistDataset, startProtocolFixture, type ProtocolFixture } from "../../harness/protocolFixture.ts";

const ACCOUNT = { owner: 1, storage: [2, 3] };
const CONFIRMATIONS = 3;
/** No audit round opens in this test: the role never proves. */
const NO_PROVER = {} as StorageProver;

describe("storage role with --confirmations", { timeout: 300_000 }, () => {
  let fixture: ProtocolFixture;
  let holder: ProtocolConnection;
  let holderStore: HeliaContentStore;
  let datasetId: bigint;

  before(async () => {
    fixture = await startProtocolFixture();
    const ownerStore = await fixture.newStore("owner");
    const providers = await Promise.all(ACCOUNT.storage.map(async (index) => ({ index, store: await fixture.newStore(`storage-${index}`) })));
    // Registered, not placed yet: the test answers the placement itself, at a block it knows.
    ({ datasetId } = await registerMnistDataset({ fixture, owner: ACCOUNT.owner, ownerStore, providers, images: 100, place: false }));
    holder = await fixture.connect(ACCOUNT.storage[0]!);
    holderStore = providers[0]!.store;
  });
  after(() => fixture?.close());

  it(`acts on a placement only once it has ${CONFIRMATIONS} confirmations`, async () => {
    const controller = new AbortController();
    const health = createRoleHealth("storage");
    const role = runStorageRole({ chain: holder, store: holderStore, prover: NO_PROVER, dataDir: join(fixture.work, "storage"), log: pino({ level: "silent" }), signal: controller.signal, health, confirmations: CONFIRMATIONS, pollMs: 100 });
    try {
      await waitFor("the role at the chain's head", () => health.report().status === "ok", { timeoutMs: 30_000, pollMs: 50 });
      const registry = holder.contracts.DatasetRegistry;
      const [request] = await registry.getEvents.PlacementRequested({ datasetId }, { fromBlock: 0n });
      await fixture.fulfilVrf(request!.args.requestId!, registry.address);
      await holder.send(() => registry.write.applyPlacement([datasetId, 255n]));
      const placed = (await registry.getEvents.ColumnPlaced({ datasetId }, { fromBlock: 0n })).find((event) => isAddressEqual(event.args.provider!, holder.account.address))!;
      const column = Number(placed.args.column);
      const accepted = async () => (await registry.read.accepted([datasetId]))[column]!;

      // The chain mines only on transactions here: the placement's block stays the head until the test mines.
      for (let confirmations = 1; confirmations < CONFIRMATIONS; confirmations++) {
        await sleep(1_500);
        assert.equal(await accepted(), false, `not acted on with ${confirmations} confirmation(s)`);
        assert.ok(health.report().cursor! <= Number(placed.blockNumber), "the cursor waits before the placement's block");
        await fixture.mine();
      }
      await waitFor("the column accepted", accepted, { timeoutMs: 60_000, pollMs: 100 });
      const [acceptance] = await registry.getEvents.ColumnAccepted({ datasetId }, { fromBlock: placed.blockNumber });
      assert.equal(acceptance!.blockNumber, placed.blockNumber + BigInt(CONFIRMATIONS), "accepted in the first block after the placement had its confirmations");
    } finally {
      controller.abort();
      await role;
    }
  });
});

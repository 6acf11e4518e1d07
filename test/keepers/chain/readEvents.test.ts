import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createPublicClient, http, toHex, type Address, type PublicClient } from "viem";
import { generatePrivateKey, mnemonicToAccount, privateKeyToAddress } from "viem/accounts";
import { connectProtocol, type ProtocolConnection } from "../../../keepers/src/chain/protocolContracts.ts";
import { LOG_BLOCK_RANGE, readEvents } from "../../../keepers/src/chain/readEvents.ts";
import { startLocalChain, type LocalChain } from "../../harness/localChain.ts";

const deployerKey = toHex(mnemonicToAccount("test test test test test test test test test test test junk").getHdKey().privateKey!);

describe("readEvents: a contract's events from the deployment block, 2,000 blocks per eth_getLogs", { timeout: 120_000 }, () => {
  let chain: LocalChain;
  let deployer: ProtocolConnection;
  /** eth_getLogs ranges asked by `client`, as [fromBlock, toBlock]. */
  const ranges: [bigint, bigint][] = [];
  let client: PublicClient;
  const to: Address = privateKeyToAddress(generatePrivateKey());
  /** The blocks of three transfers to `to`: 4,500 blocks between the first and the last. */
  const blocks: bigint[] = [];

  before(async () => {
    chain = await startLocalChain();
    deployer = await connectProtocol({ rpcUrl: chain.rpcUrl, privateKey: deployerKey, addresses: chain.addresses });
    // A long polling interval: viem would answer getBlockNumber from its cache for a minute.
    client = createPublicClient({
      pollingInterval: 60_000,
      transport: http(chain.rpcUrl, {
        onFetchRequest: async (request) => {
          const body = (await request.clone().json()) as { method: string; params: [{ fromBlock: string; toBlock: string }] };
          if (body.method === "eth_getLogs") ranges.push([BigInt(body.params[0].fromBlock), BigInt(body.params[0].toBlock)]);
        },
      }),
    });
    const token = deployer.contracts.VeritrainToken;
    for (const gap of [0, 2_500, 2_000]) {
      if (gap > 0) await deployer.publicClient.request({ method: "hardhat_mine", params: [toHex(gap)] } as never);
      blocks.push((await deployer.send(() => token.write.transfer([to, BigInt(gap + 1)]))).blockNumber);
    }
    // Another recipient's transfer: matched out by the indexed argument.
    await deployer.send(() => token.write.transfer([privateKeyToAddress(generatePrivateKey()), 7n]));
  });
  after(async () => {
    await chain?.close();
  });

  const read = async (deploymentBlock: bigint) => {
    ranges.length = 0;
    const events = await readEvents({ chain: { publicClient: client, deploymentBlock }, contract: deployer.contracts.VeritrainToken, eventName: "Transfer", args: { to } });
    return { events, ranges: [...ranges], head: await client.getBlockNumber() };
  };

  it("reads every block from the deployment block to the head, in contiguous requests of at most 2,000 blocks, and returns the matching events in chain order", async () => {
    const { events, ranges, head } = await read(blocks[0]!);
    assert.deepEqual(events.map((event) => [event.blockNumber, event.args.value]), [[blocks[0], 1n], [blocks[1], 2_501n], [blocks[2], 2_001n]]);
    assert.equal(ranges[0]![0], blocks[0], "the first request starts at the deployment block");
    assert.equal(ranges.at(-1)![1], head, "the last ends at the head");
    for (const [index, [from, last]] of ranges.entries()) {
      assert.ok(last - from + 1n <= LOG_BLOCK_RANGE, `request ${index} spans ${last - from + 1n} blocks`);
      if (index > 0) assert.equal(from, ranges[index - 1]![1] + 1n, `request ${index} follows the one before`);
    }
    assert.equal(ranges.length, Math.ceil(Number(head - blocks[0]! + 1n) / Number(LOG_BLOCK_RANGE)));
  });

  it("never reads before the deployment block: an older event is not returned", async () => {
    const { events, ranges } = await read(blocks[0]! + 1n);
    assert.deepEqual(events.map((event) => event.blockNumber), [blocks[1], blocks[2]]);
    assert.ok(ranges.every(([from]) => from > blocks[0]!), "no request reaches the block before");
  });

  it("reads to the head as it is now, not as viem cached it: an event of the last block is returned", async () => {
    await client.getBlockNumber(); // cached
    const block = (await deployer.send(() => deployer.contracts.VeritrainToken.write.transfer([to, 9n]))).blockNumber;
    const { events } = await read(blocks[0]!);
    assert.deepEqual(events.at(-1)?.blockNumber, block);
  });

  it("asks nothing when the deployment block is past the head (a deployment file of another chain)", async () => {
    const past = await read((await client.getBlockNumber()) + 10n);
    assert.deepEqual([past.events, past.ranges], [[], []]);
  });
});

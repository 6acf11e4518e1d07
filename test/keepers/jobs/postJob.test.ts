import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { ContractFunctionZeroDataError, parseEther, zeroHash, type Address } from "viem";
import { CONTRACT_REVERT } from "../../../keepers/src/chain/revertSentence.ts";
import { connectProtocol, type ProtocolConnection } from "../../../keepers/src/chain/protocolContracts.ts";
import { stakeTokens } from "../../../keepers/src/chain/stakeTokens.ts";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { JobStatus, postJob, readJob, type JobOrder } from "../../../keepers/src/jobs/jobOnChain.ts";
import { registerMnistDataset, startProtocolFixture, type ProtocolFixture } from "../../harness/protocolFixture.ts";

const SPEC_DIGEST = `0x${"5a".repeat(32)}` as const;

/** `chain` as if its token had no EIP-2612 permit: `eip712Domain()` answers nothing, as a plain ERC-20 does. */
function withoutPermit(chain: ProtocolConnection): ProtocolConnection {
  const token = chain.contracts.VeritrainToken;
  const eip712Domain = () => Promise.reject(new ContractFunctionZeroDataError({ functionName: "eip712Domain" }));
  // viem's `read` is a proxy of the ABI's functions: wrap it rather than copy it.
  const read = new Proxy(token.read, { get: (target, name) => (name === "eip712Domain" ? eip712Domain : Reflect.get(target, name)) });
  return { ...chain, contracts: { ...chain.contracts, VeritrainToken: { ...token, read } } } as ProtocolConnection;
}

describe("posting a job and staking: nothing on-chain unless the whole action can succeed", { timeout: 300_000 }, () => {
  let fixture: ProtocolFixture;
  let order: JobOrder;
  /** A connection of an account with ETH but no tokens (Hardhat account 9, never funded by the fixture). */
  let poor: ProtocolConnection;

  before(async () => {
    fixture = await startProtocolFixture();
    const [ownerStore, store2, store3] = await Promise.all([fixture.newStore("owner"), fixture.newStore("p2"), fixture.newStore("p3")]);
    const { datasetId } = await registerMnistDataset({ fixture, owner: 1, ownerStore, providers: [{ index: 2, store: store2 }, { index: 3, store: store3 }], images: 100, pinHolders: false });
    order = { datasetId, specDigest: SPEC_DIGEST, reward: parseEther("10"), minStake: parseEther("100"), biddingPeriod: 60, executionPeriod: 3600, challengeWindow: 600, program: zeroHash };
    poor = await connectProtocol({ rpcUrl: fixture.chain.rpcUrl, privateKey: fixture.keyOf(9), addresses: fixture.chain.addresses });
  });

  after(() => fixture?.close());

  /** The account's nonce and its allowances for JobRegistry and StakeManager. */
  async function accountState(chain: ProtocolConnection, address: Address = chain.account.address) {
    const { VeritrainToken, JobRegistry, StakeManager } = chain.contracts;
    return {
      nonce: await chain.publicClient.getTransactionCount({ address }),
      jobAllowance: await VeritrainToken.read.allowance([address, JobRegistry.address]),
      stakeAllowance: await VeritrainToken.read.allowance([address, StakeManager.address]),
    };
  }

  describe("when the account holds no tokens", () => {
    it("postJob fails in one line naming what is missing, and sends nothing", async () => {
      const address = poor.account.address;
      const state = await accountState(poor);
      await assert.rejects(postJob(poor, order), (error: unknown) => {
        assert.ok(error instanceof VeritrainError);
        assert.equal(error.code, "INSUFFICIENT_TOKENS");
        assert.equal(error.message, `account ${address} holds 0 VTT; posting needs 10 VTT (reward): get tokens first, e.g. \`npm run veritrain -- devnet fund ${address}\``);
        return true;
      });
      assert.deepEqual(await accountState(poor), state, "no transaction, allowance unchanged");
    });

    it("stakeTokens fails in one line and sends nothing", async () => {
      const state = await accountState(poor);
      await assert.rejects(stakeTokens({ chain: poor, amount: parseEther("100"), action: "staking" }), { code: "INSUFFICIENT_TOKENS", message: `account ${poor.account.address} holds 0 VTT; staking needs 100 VTT (stake): get tokens first, e.g. \`npm run veritrain -- devnet fund ${poor.account.address}\`` });
      assert.deepEqual(await accountState(poor), state);
    });

    it("the CLI's `job post` and `stake` end with that one line and exit code 1, sending nothing", async () => {
      const address = poor.account.address;
      const state = await accountState(poor);
      const deployment = fixture.chain.writeDeployment(join(fixture.work, "deployment.json"));
      const env = { ...process.env, VERITRAIN_PRIVATE_KEY: fixture.keyOf(9), VERITRAIN_RPC_URL: fixture.chain.rpcUrl, VERITRAIN_DEPLOYMENT: deployment, VERITRAIN_DATA_DIR: join(fixture.work, "poor") };
      const cli = new URL("../../../keepers/src/cli.ts", import.meta.url).pathname;
      for (const [args, line] of [
        [["job", "post", "--dataset", order.datasetId.toString(), "--no-wait"], `posting needs 10 VTT (reward)`],
        [["stake", "100"], `staking needs 100 VTT (stake)`],
      ] as const) {
        const run = await promisify(execFile)(process.execPath, [cli, ...args], { env, encoding: "utf8" }).then(
          () => assert.fail(`${args.join(" ")} succeeded`),
          (error: { code: number; stderr: string }) => error,
        );
        assert.equal(run.code, 1);
        const lines = run.stderr.split("\n").filter((l) => l.startsWith("error"));
        assert.deepEqual(lines, [`error [INSUFFICIENT_TOKENS]: account ${address} holds 0 VTT; ${line}: get tokens first, e.g. \`npm run veritrain -- devnet fund ${address}\``]);
      }
      assert.deepEqual(await accountState(poor), state);
    });

    it("a revert inside a call (the token's ERC20InsufficientBalance under JobRegistry.post) is a sentence, not an undecodable selector", async () => {
      // The old path: an allowance without the tokens. viem alone reports `Unable to decode signature "0xe450d38c"`.
      await poor.send(() => poor.contracts.VeritrainToken.write.approve([poor.contracts.JobRegistry.address, order.reward]));
      const nonce = await poor.publicClient.getTransactionCount({ address: poor.account.address });
      await assert.rejects(poor.send(() => poor.contracts.JobRegistry.write.post([order])), (error: unknown) => {
        assert.ok(error instanceof VeritrainError);
        assert.equal(error.code, CONTRACT_REVERT);
        assert.match(error.message, /^ERC20InsufficientBalance: .* balance \(0 VTT\) of a sender \(0x[0-9a-fA-F]{40}\)\. Used in transfers \(needed 10 VTT\); get tokens first/);
        return true;
      });
      assert.equal(await poor.publicClient.getTransactionCount({ address: poor.account.address }), nonce, "the revert was found before sending");
      await poor.send(() => poor.contracts.VeritrainToken.write.approve([poor.contracts.JobRegistry.address, 0n]));
    });
  });

  describe("when the account holds enough tokens", () => {
    it("postJob sends exactly one transaction (postWithPermit) and leaves no allowance", async () => {
      const consumer = await fixture.connect(4);
      const state = await accountState(consumer);
      assert.equal(state.jobAllowance, 0n);
      const balance = await consumer.contracts.VeritrainToken.read.balanceOf([consumer.account.address]);
      const jobId = await postJob(consumer, order);
      const job = await readJob(consumer, jobId);
      assert.deepEqual([job.status, job.consumer, job.reward], [JobStatus.Bidding, consumer.account.address, order.reward]);
      assert.deepEqual(await accountState(consumer), { ...state, nonce: state.nonce + 1 }, "one transaction, no allowance left");
      assert.equal(await consumer.contracts.VeritrainToken.read.balanceOf([consumer.account.address]), balance - order.reward);
    });

    it("an order the contract refuses fails with the decoded error before anything is sent", async () => {
      const consumer = await fixture.connect(4);
      const state = await accountState(consumer);
      await assert.rejects(postJob(consumer, { ...order, datasetId: 99n }), {
        code: CONTRACT_REVERT,
        message: "JobRegistryDatasetNotActive: an order names dataset 99, which is not placed and active in DatasetRegistry",
      });
      assert.deepEqual(await accountState(consumer), state);
    });

    describe("and the token has no permit", () => {
      it("an order the contract refuses fails before the approval", async () => {
        const consumer = withoutPermit(await fixture.connect(6));
        const state = await accountState(consumer);
        await assert.rejects(postJob(consumer, { ...order, datasetId: 99n }), { code: CONTRACT_REVERT, message: /^JobRegistryDatasetNotActive: / });
        assert.deepEqual(await accountState(consumer), state);
      });

      it("postJob approves the reward and posts: two transactions, no allowance left", async () => {
        const consumer = withoutPermit(await fixture.connect(6));
        const state = await accountState(consumer);
        const job = await readJob(consumer, await postJob(consumer, order));
        assert.deepEqual([job.status, job.consumer], [JobStatus.Bidding, consumer.account.address]);
        assert.deepEqual(await accountState(consumer), { ...state, nonce: state.nonce + 2 });
      });
    });

    it("stakeTokens approves exactly the amount and stakes it: two transactions, no allowance left", async () => {
      const provider = await fixture.connect(5);
      const state = await accountState(provider);
      const before = await provider.contracts.StakeManager.read.stakeOf([provider.account.address]);
      await stakeTokens({ chain: provider, amount: parseEther("100"), action: "staking" });
      const after = await provider.contracts.StakeManager.read.stakeOf([provider.account.address]);
      assert.equal(after.available - before.available, parseEther("100"));
      assert.deepEqual(await accountState(provider), { ...state, nonce: state.nonce + 2 });
    });

    it("stakeTokens of nothing fails with StakeManager's error before anything is sent", async () => {
      const provider = await fixture.connect(5);
      const state = await accountState(provider);
      await assert.rejects(stakeTokens({ chain: provider, amount: 0n, action: "staking" }), { code: CONTRACT_REVERT, message: "StakeManagerZeroAmount: an amount that must be positive is zero" });
      assert.deepEqual(await accountState(provider), state);
    });
  });
});

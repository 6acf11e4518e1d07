import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { type Address, getAddress, keccak256, maxUint256, parseEther, stringToHex, toHex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { runAutomationRole } from "../../../keepers/src/automation/automationRole.ts";
import { committeeDraw } from "../../../keepers/src/chain/committeeDraw.ts";
import { connectProtocol, type ProtocolConnection } from "../../../keepers/src/chain/protocolContracts.ts";
import { startLocalChain, type LocalChain } from "../../harness/localChain.ts";

const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
const keyOf = (index: number) => toHex(mnemonicToAccount("test test test test test test test test test test test junk", { addressIndex: index }).getHdKey().privateKey!);
/** Validators eligible at the request: the committee's nine seats. */
const ELIGIBLE = 9;
/** Validators that exited before the request: the callback's 36 steps cannot find the nine among 49. */
const PADDING = 40;

describe("automation role: a committee draw the VRF callback leaves unfinished", { timeout: 120_000 }, () => {
  let chain: LocalChain;
  let keeper: ProtocolConnection;
  let work: string;

  before(async () => {
    chain = await startLocalChain();
    keeper = await connectProtocol({ rpcUrl: chain.rpcUrl, privateKey: keyOf(0), addresses: chain.addresses });
    work = mkdtempSync(join(tmpdir(), "veritrain-draw-"));
  });
  after(async () => {
    await chain?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Sends a transaction as `account` (impersonated) and waits for its success. */
  async function as(account: Address, send: (account: Address) => Promise<`0x${string}`>) {
    const receipt = await keeper.publicClient.waitForTransactionReceipt({ hash: await send(account) });
    assert.equal(receipt.status, "success");
  }

  /** A fresh impersonated account that stakes the validator stake and joins. */
  async function joinValidator(label: string): Promise<Address> {
    const { VeritrainToken: token, StakeManager: stakeManager, ValidatorCommittee: committee } = keeper.contracts;
    const account = getAddress(keccak256(stringToHex(label)).slice(0, 42));
    const request = (method: string, params: unknown[]) => keeper.publicClient.request({ method: method as never, params: params as never });
    await request("hardhat_impersonateAccount", [account]);
    await request("hardhat_setBalance", [account, toHex(parseEther("1"))]);
    const { validatorStake } = await committee.read.config();
    await as(keeper.account.address, () => token.write.transfer([account, validatorStake]));
    await as(account, (a) => token.write.approve([stakeManager.address, maxUint256], { account: a }));
    await as(account, (a) => stakeManager.write.stake([validatorStake], { account: a }));
    await as(account, (a) => committee.write.join({ account: a }));
    return account;
  }

  it("runs the draw to its end with continueDraw: the full committee, as the off-chain twin recomputes it", async () => {
    const { ValidatorCommittee: committee, Disputes: disputes } = keeper.contracts;
    for (let i = 0; i < ELIGIBLE; i++) await joinValidator(`eligible ${i}`);
    const padding: Address[] = [];
    for (let i = 0; i < PADDING; i++) padding.push(await joinValidator(`padding ${i}`));
    for (const account of padding) await as(account, (a) => committee.write.exit({ account: a }));
    const entries = await committee.read.validators();
    // Disputes asks for a committee when a challenge opens; here it asks directly for dispute 1.
    await keeper.publicClient.request({ method: "hardhat_impersonateAccount" as never, params: [disputes.address] as never });
    await keeper.publicClient.request({ method: "hardhat_setBalance" as never, params: [disputes.address, toHex(parseEther("1"))] as never });
    await as(disputes.address, (a) => committee.write.requestCommittee([1n], { account: a }));

    const controller = new AbortController();
    const automation = runAutomationRole({ chain: keeper, dataDir: work, log: silent, signal: controller.signal, vrfMock: chain.addresses.VRFCoordinatorV2_5Mock, pollMs: 200 });
    try {
      const deadline = Date.now() + 60_000;
      while ((await committee.getEvents.CommitteeDrawn({ disputeId: 1n }, { fromBlock: 0n })).length === 0 && Date.now() < deadline) await sleep(300);
    } finally {
      controller.abort();
      await automation;
    }
    const [unfinished] = await committee.getEvents.CommitteeDrawUnfinished({ disputeId: 1n }, { fromBlock: 0n });
    assert.ok(unfinished, "the callback's 36 steps left the draw unfinished");
    const [drawn] = await committee.getEvents.CommitteeDrawn({ disputeId: 1n }, { fromBlock: 0n });
    assert.ok(drawn, "the automation keeper finished the draw");
    assert.equal(drawn.args.seed, unfinished.args.seed);
    const members = await committee.read.committeeOf([1n]);
    assert.equal(members.length, ELIGIBLE, "all nine eligible validators, none of the padding");
    const request = await committee.read.requestOf([1n]);
    const { size } = await committee.read.config();
    assert.deepEqual(members, committeeDraw({ seed: drawn.args.seed!, entries, range: Number(request.range), requestedAt: request.requestedAt, size }));
    assert.ok(await committee.read.committeeFormedBefore([1n, BigInt(request.requestedAt) + 3600n]), "formed");
  });
});

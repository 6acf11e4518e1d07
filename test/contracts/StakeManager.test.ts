import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { keccak256, parseEther, stringToHex, zeroAddress } from "viem";
import { networkHelpers, viem } from "./fixture.ts";

const MODULE_ROLE = keccak256(stringToHex("MODULE_ROLE"));
const UNBONDING_DELAY = 7n * 24n * 3600n;
const BENEFICIARY_BPS = 5000n;

/** A StakeManager whose MODULE_ROLE is held by an account, to test module calls directly. */
async function deployWithModuleAccount() {
  const [admin, module, staker, beneficiary, treasury, outsider] = await viem.getWalletClients();
  if (!admin || !module || !staker || !beneficiary || !treasury || !outsider) throw new Error("need 6 accounts");
  const token = await viem.deployContract("VeritrainToken", [admin.account.address, parseEther("1000000")]);
  const stakeManager = await viem.deployContract("StakeManager", [
    token.address,
    treasury.account.address,
    UNBONDING_DELAY,
    Number(BENEFICIARY_BPS),
    admin.account.address,
  ]);
  await stakeManager.write.grantRole([MODULE_ROLE, module.account.address]);
  await token.write.transfer([staker.account.address, parseEther("1000")]);
  await token.write.approve([stakeManager.address, parseEther("1000")], { account: staker.account });
  return { token, stakeManager, admin, module, staker, beneficiary, treasury, outsider };
}

describe("StakeManager", () => {
  describe("constructor", () => {
    it("rejects each invalid parameter by name", async () => {
      const [admin] = await viem.getWalletClients();
      const a = admin!.account.address;
      const probe = await viem.deployContract("VeritrainToken", [a, 1n]);
      const cases: [string, readonly [`0x${string}`, `0x${string}`, bigint, number, `0x${string}`]][] = [
        ["token", [zeroAddress, a, 1n, 0, a]],
        ["treasury", [probe.address, zeroAddress, 1n, 0, a]],
        ["beneficiaryShareBps", [probe.address, a, 1n, 10_001, a]],
        ["admin", [probe.address, a, 1n, 0, zeroAddress]],
      ];
      const reference = await viem.deployContract("StakeManager", [probe.address, a, 1n, 0, a]);
      for (const [name, args] of cases) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          viem.deployContract("StakeManager", args),
          reference,
          "StakeManagerInvalidParameter",
          [name],
        );
      }
    });
  });

  describe("stake", () => {
    it("moves tokens in and credits available stake", async () => {
      const { token, stakeManager, staker } = await networkHelpers.loadFixture(deployWithModuleAccount);
      await stakeManager.write.stake([parseEther("100")], { account: staker.account });
      const s = await stakeManager.read.stakeOf([staker.account.address]);
      assert.equal(s.available, parseEther("100"));
      assert.equal(await token.read.balanceOf([stakeManager.address]), parseEther("100"));
    });

    it("emits Staked", async () => {
      const { stakeManager, staker } = await networkHelpers.loadFixture(deployWithModuleAccount);
      await viem.assertions.emitWithArgs(
        stakeManager.write.stake([5n], { account: staker.account }),
        stakeManager,
        "Staked",
        [staker.account.address, 5n],
      );
    });

    it("reverts on zero", async () => {
      const { stakeManager, staker } = await networkHelpers.loadFixture(deployWithModuleAccount);
      await viem.assertions.revertWithCustomError(
        stakeManager.write.stake([0n], { account: staker.account }),
        stakeManager,
        "StakeManagerZeroAmount",
      );
    });

    it("reverts without allowance and credits nothing", async () => {
      const { token, stakeManager, outsider } = await networkHelpers.loadFixture(deployWithModuleAccount);
      await viem.assertions.revertWithCustomError(
        stakeManager.write.stake([1n], { account: outsider.account }),
        token,
        "ERC20InsufficientAllowance",
      );
      assert.equal((await stakeManager.read.stakeOf([outsider.account.address])).available, 0n);
    });
  });

  describe("unbonding and withdrawal", () => {
    async function staked() {
      const f = await deployWithModuleAccount();
      await f.stakeManager.write.stake([parseEther("100")], { account: f.staker.account });
      return f;
    }

    it("withdraws only after the delay", async () => {
      const { token, stakeManager, staker } = await networkHelpers.loadFixture(staked);
      await stakeManager.write.startUnbonding([parseEther("40")], { account: staker.account });
      const s = await stakeManager.read.stakeOf([staker.account.address]);
      assert.equal(s.available, parseEther("60"));
      assert.equal(s.unbonding, parseEther("40"));
      const now = BigInt(await networkHelpers.time.latest());
      assert.equal(s.unbondingReadyAt, now + UNBONDING_DELAY);

      await networkHelpers.time.setNextBlockTimestamp(s.unbondingReadyAt - 1n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        stakeManager.write.withdraw({ account: staker.account }),
        stakeManager,
        "StakeManagerUnbondingNotReady",
        [staker.account.address, s.unbondingReadyAt, s.unbondingReadyAt - 1n],
      );
      const before = await token.read.balanceOf([staker.account.address]);
      // A reverted transaction mines no block here, so the timestamp must be set again.
      await networkHelpers.time.setNextBlockTimestamp(s.unbondingReadyAt);
      await viem.assertions.emitWithArgs(
        stakeManager.write.withdraw({ account: staker.account }),
        stakeManager,
        "Withdrawn",
        [staker.account.address, parseEther("40")],
      );
      assert.equal(await token.read.balanceOf([staker.account.address]), before + parseEther("40"));
      const after = await stakeManager.read.stakeOf([staker.account.address]);
      assert.equal(after.unbonding, 0n);
      assert.equal(after.unbondingReadyAt, 0n);
    });

    it("reverts a withdrawal with nothing unbonding", async () => {
      const { stakeManager, staker } = await networkHelpers.loadFixture(staked);
      await viem.assertions.revertWithCustomErrorWithArgs(
        stakeManager.write.withdraw({ account: staker.account }),
        stakeManager,
        "StakeManagerUnbondingNotReady",
        [staker.account.address, 0n, (v: bigint) => v > 0n],
      );
    });

    it("reverts unbonding zero or more than available", async () => {
      const { stakeManager, staker } = await networkHelpers.loadFixture(staked);
      await viem.assertions.revertWithCustomError(
        stakeManager.write.startUnbonding([0n], { account: staker.account }),
        stakeManager,
        "StakeManagerZeroAmount",
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        stakeManager.write.startUnbonding([parseEther("101")], { account: staker.account }),
        stakeManager,
        "StakeManagerInsufficientAvailable",
        [staker.account.address, parseEther("100"), parseEther("101")],
      );
    });
  });

  describe("when called by a module", () => {
    async function staked() {
      const f = await deployWithModuleAccount();
      await f.stakeManager.write.stake([parseEther("100")], { account: f.staker.account });
      return f;
    }

    it("locks and unlocks", async () => {
      const { stakeManager, module, staker } = await networkHelpers.loadFixture(staked);
      const who = staker.account.address;
      await viem.assertions.emitWithArgs(
        stakeManager.write.lock([who, parseEther("30")], { account: module.account }),
        stakeManager,
        "StakeLocked",
        [who, module.account.address, parseEther("30")],
      );
      let s = await stakeManager.read.stakeOf([who]);
      assert.deepEqual([s.available, s.locked], [parseEther("70"), parseEther("30")]);
      await viem.assertions.emitWithArgs(
        stakeManager.write.unlock([who, parseEther("10")], { account: module.account }),
        stakeManager,
        "StakeUnlocked",
        [who, module.account.address, parseEther("10")],
      );
      s = await stakeManager.read.stakeOf([who]);
      assert.deepEqual([s.available, s.locked], [parseEther("80"), parseEther("20")]);
    });

    it("rejects zero, over-available and over-locked amounts", async () => {
      const { stakeManager, module, staker } = await networkHelpers.loadFixture(staked);
      const who = staker.account.address;
      const as = { account: module.account };
      await viem.assertions.revertWithCustomError(stakeManager.write.lock([who, 0n], as), stakeManager, "StakeManagerZeroAmount");
      await viem.assertions.revertWithCustomError(stakeManager.write.unlock([who, 0n], as), stakeManager, "StakeManagerZeroAmount");
      await viem.assertions.revertWithCustomErrorWithArgs(
        stakeManager.write.lock([who, parseEther("101")], as),
        stakeManager,
        "StakeManagerInsufficientAvailable",
        [who, parseEther("100"), parseEther("101")],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        stakeManager.write.unlock([who, 1n], as),
        stakeManager,
        "StakeManagerInsufficientLocked",
        [who, 0n, 1n],
      );
    });

    it("slashes at most the locked stake and splits it", async () => {
      const { token, stakeManager, module, staker, beneficiary, treasury } = await networkHelpers.loadFixture(staked);
      const who = staker.account.address;
      await stakeManager.write.lock([who, parseEther("30")], { account: module.account });
      const b0 = await token.read.balanceOf([beneficiary.account.address]);
      const t0 = await token.read.balanceOf([treasury.account.address]);
      await viem.assertions.emitWithArgs(
        stakeManager.write.slash([who, parseEther("50"), beneficiary.account.address], { account: module.account }),
        stakeManager,
        "StakeSlashed",
        [who, module.account.address, beneficiary.account.address, parseEther("30"), parseEther("15"), parseEther("15")],
      );
      assert.equal(await token.read.balanceOf([beneficiary.account.address]), b0 + parseEther("15"));
      assert.equal(await token.read.balanceOf([treasury.account.address]), t0 + parseEther("15"));
      const s = await stakeManager.read.stakeOf([who]);
      assert.deepEqual([s.available, s.locked], [parseEther("70"), 0n]);
      assert.equal(await token.read.balanceOf([stakeManager.address]), parseEther("70"));
    });

    it("sends the whole slash to the treasury without a beneficiary, and nothing when nothing is locked", async () => {
      const { token, stakeManager, module, staker, treasury } = await networkHelpers.loadFixture(staked);
      const who = staker.account.address;
      const t0 = await token.read.balanceOf([treasury.account.address]);
      await stakeManager.write.slash([who, parseEther("5"), zeroAddress], { account: module.account });
      assert.equal(await token.read.balanceOf([treasury.account.address]), t0);
      await stakeManager.write.lock([who, parseEther("5")], { account: module.account });
      await stakeManager.write.slash([who, parseEther("5"), zeroAddress], { account: module.account });
      assert.equal(await token.read.balanceOf([treasury.account.address]), t0 + parseEther("5"));
    });
  });

  describe("when called by anyone else", () => {
    it("rejects lock, unlock and slash", async () => {
      const { stakeManager, outsider, staker } = await networkHelpers.loadFixture(deployWithModuleAccount);
      const as = { account: outsider.account };
      const who = staker.account.address;
      for (const call of [
        stakeManager.write.lock([who, 1n], as),
        stakeManager.write.unlock([who, 1n], as),
        stakeManager.write.slash([who, 1n, outsider.account.address], as),
      ]) {
        await viem.assertions.revertWithCustomErrorWithArgs(call, stakeManager, "AccessControlUnauthorizedAccount", [
          outsider.account.address,
          MODULE_ROLE,
        ]);
      }
    });
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getContract, parseAbi, parseEther, type Hash, type Hex } from "viem";
import type { StepConfig } from "../../keepers/src/training/jobSpec.ts";
import { VmTrace } from "../../keepers/src/trainingVm/vmTrace.ts";
import { checkpointOf, data, initial, perceptron, SGD, train } from "../harness/vmFixture.ts";
import { networkHelpers, viem } from "./fixture.ts";

const PHASE = { AwaitingMidpoint: 1, AwaitingChoice: 2, AwaitingDescent: 3, AwaitingStep: 4, ProviderWon: 5, ChallengerWon: 6 } as const;
const FIRST_STEP = 11; // the segment's 3 steps cross from epoch 0 into epoch 1 (12 steps per epoch)
const STEPS = 3;

async function deployGame() {
  const [deployer, provider, challenger] = await viem.getWalletClients();
  const publicClient = await viem.getPublicClient();
  const token = await viem.deployContract("VeritrainToken", [deployer!.account.address, parseEther("1000000000")]);
  const machine = await viem.deployContract("TrainingVm");
  // Hardhat types only contracts/ sources: the test double gets its ABI here.
  const referee = getContract({
    address: (await viem.deployContract("GameRefereeDouble")).address,
    abi: parseAbi([
      "function setGame(address game)",
      "function open(address provider, address challenger, bytes32 program, uint64 firstStep, uint64 steps, bytes32 hashLo, bytes32 hashHi) returns (uint256)",
    ]),
    client: { public: publicClient, wallet: deployer! },
  });
  const game = await viem.deployContract("BisectionGame", [token.address, machine.address, referee.address, parseEther("1"), 86_400n]);
  await referee.write.setGame([game.address]);
  for (const side of [provider!, challenger!]) {
    await token.write.transfer([side.account.address, parseEther("100000")]);
    await token.write.approve([game.address, parseEther("100000")], { account: side.account });
  }
  return { game, referee, publicClient, provider: provider!, challenger: challenger! };
}

const traceOf = (config: StepConfig, fault?: ConstructorParameters<typeof VmTrace>[0]["fault"]) => {
  const model = perceptron();
  return new VmTrace({ model, config, data, examples: train.count, checkpoint: checkpointOf(config, initial(model, config, FIRST_STEP)), firstStep: FIRST_STEP, fault });
};

/**
 * Plays a whole game on the chain: the provider posts the states of `claimed`; the challenger chooses by
 * `choice` (the honest one agrees exactly with the true states) and executes the last instruction with the
 * true trace's witness. Returns how it ended and each move's gas.
 */
async function play({ truth, claimed, choice }: { truth: VmTrace; claimed: VmTrace; choice: "honest" | "always disagree" | "always agree" }) {
  const { game, referee, publicClient, provider, challenger } = await networkHelpers.loadFixture(deployGame);
  const hashHi = claimed.stateAt(FIRST_STEP + STEPS);
  await referee.write.open([provider.account.address, challenger.account.address, truth.program.hash, BigInt(FIRST_STEP), BigInt(STEPS), truth.stateAt(FIRST_STEP), hashHi]);
  const gameId = await game.read.gameCount();
  const gas: { move: string; gas: number }[] = [];
  const send = async (move: string, hash: Hash) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, "success", `${move} succeeded`);
    gas.push({ move, gas: Number(receipt.gasUsed) });
  };
  const stateOf = (trace: VmTrace, g: { level: number; step: bigint; operator: bigint }, index: bigint): Hex =>
    g.level === 0 ? trace.stateAt(FIRST_STEP + Number(index)) :
    g.level === 1 ? trace.stateAt(Number(g.step), { operator: Number(index), instruction: 0 }) :
    trace.stateAt(Number(g.step), { operator: Number(g.operator), instruction: Number(index) });
  for (;;) {
    const g = await game.read.getGame([gameId]);
    const mid = g.lo + (g.hi - g.lo) / 2n;
    if (g.phase === PHASE.AwaitingMidpoint) {
      await send("bisect", await game.write.bisect([gameId, stateOf(claimed, g, mid)], { account: provider.account }));
    } else if (g.phase === PHASE.AwaitingChoice) {
      const agree = choice === "honest" ? g.midHash === stateOf(truth, g, mid) : choice === "always agree";
      await send("choose", await game.write.choose([gameId, agree], { account: challenger.account }));
    } else if (g.phase === PHASE.AwaitingDescent) {
      const witness = g.level === 0 ? claimed.program.unitWitness(1) : claimed.program.unitWitness(2, Number(g.lo));
      await send("descend", await game.write.descend([gameId, witness], { account: provider.account }));
    } else if (g.phase === PHASE.AwaitingStep) {
      const { preState, witness } = truth.stepWitness(Number(g.step), { operator: Number(g.operator), instruction: Number(g.lo) });
      assert.equal(preState, g.hashLo, "the agreed state is the true one");
      await send("step", await game.write.step([gameId, witness], { account: challenger.account }));
    } else {
      return { ...g, gas };
    }
  }
}

describe("a dispute game over the training VM, played to one instruction executed on-chain", () => {
  it("a provider with one wrong instruction loses to an honest challenger, and the game ends on that instruction", async (t) => {
    const truth = traceOf(SGD);
    // The fault, in the segment's second step: operator 5 is fc2's weight gradient (10 × 24 elements, each 8
    // products and a store); instruction 9·40 + 8 stores element 40.
    const fault = { step: FIRST_STEP + 1, position: { operator: 5, instruction: 9 * 40 + 8 } };
    assert.ok(fault.position.instruction < truth.counts(fault.step)[fault.position.operator]!);
    assert.notEqual(traceOf(SGD, fault).stateAt(FIRST_STEP + STEPS), truth.stateAt(FIRST_STEP + STEPS), "the fault changes the segment's last state");
    const outcome = await play({ truth, claimed: traceOf(SGD, fault), choice: "honest" });
    assert.equal(outcome.phase, PHASE.ChallengerWon);
    assert.deepEqual([Number(outcome.step), Number(outcome.operator), Number(outcome.lo)], [fault.step, fault.position.operator, fault.position.instruction], "the bisection found the wrong instruction");
    const total = outcome.gas.reduce((sum, m) => sum + m.gas, 0);
    const step = outcome.gas.find((m) => m.move === "step")!.gas;
    t.diagnostic(JSON.stringify({ moves: outcome.gas.length, game_gas_total: total, max_move_gas: Math.max(...outcome.gas.filter((m) => m.move !== "step").map((m) => m.gas)), step_gas: step }));
    assert.ok(step <= 1_000_000, `the one-step move: ${step} gas`);
  });

  for (const choice of ["always disagree", "always agree"] as const) {
    it(`an honest provider wins against a challenger who would ${choice.replace("always ", "")}`, async () => {
      const truth = traceOf(SGD);
      const outcome = await play({ truth, claimed: truth, choice });
      assert.equal(outcome.phase, PHASE.ProviderWon);
    });
  }
});

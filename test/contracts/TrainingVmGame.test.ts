import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { StepConfig } from "../../keepers/src/training/jobSpec.ts";
import type { ModelDefinition } from "../../keepers/src/training/modelDefinition.ts";
import { createLeNet5Onnx } from "../../keepers/src/training/lenet5.ts";
import { importOnnxModel } from "../../keepers/src/training/onnxImport.ts";
import { encodeGlobalModel } from "../../keepers/src/rounds/globalModel.ts";
import { OPERATOR_KINDS } from "../../keepers/src/trainingVm/stepProgram.ts";
import { VmTrace } from "../../keepers/src/trainingVm/vmTrace.ts";
import { GAME_PHASE } from "../../keepers/src/trainingVm/gameMoves.ts";
import { play } from "../harness/vmGame.ts";
import { dropoutModel } from "../keepers/training/operatorModels.ts";
import { ADAM, ADAMW, checkpointOf, data, initial, perceptron, residualCnn, scheduleOf, SGD, sigmoidPoolingCnnOnnx, train } from "../harness/vmFixture.ts";

const FIRST_STEP = 11; // the segment's 3 steps cross from epoch 0 into epoch 1 (12 steps per epoch)
const STEPS = 3;

const traceOf = (config: StepConfig, fault?: ConstructorParameters<typeof VmTrace>[0]["fault"], model: ModelDefinition = perceptron()) => {
  const checkpoint = checkpointOf(config, initial(model, config, FIRST_STEP));
  return new VmTrace({ model, config, data, examples: train.count, checkpoint, firstStep: FIRST_STEP, schedule: scheduleOf(checkpoint, STEPS, FIRST_STEP + STEPS), fault });
};
const segment = { firstStep: FIRST_STEP, steps: STEPS };

describe("a dispute game over the training VM, played to one instruction executed on-chain", () => {
  it("a provider with one wrong instruction loses to an honest challenger, and the game ends on that instruction", async (t) => {
    const truth = traceOf(SGD);
    // The fault, in the segment's second step: operator 5 is fc2's weight gradient (10 × 24 elements, each 8
    // products and a store); instruction 9·40 + 8 stores element 40.
    const fault = { step: FIRST_STEP + 1, position: { operator: 5, instruction: 9 * 40 + 8 } };
    assert.ok(fault.position.instruction < truth.counts(fault.step)[fault.position.operator]!);
    assert.notEqual(traceOf(SGD, fault).stateAt(FIRST_STEP + STEPS), truth.stateAt(FIRST_STEP + STEPS), "the fault changes the segment's last state");
    const outcome = await play({ truth, claimed: traceOf(SGD, fault), choice: "honest", ...segment });
    assert.equal(outcome.phase, GAME_PHASE.ChallengerWon);
    assert.deepEqual([Number(outcome.step), Number(outcome.operator), Number(outcome.lo)], [fault.step, fault.position.operator, fault.position.instruction], "the bisection found the wrong instruction");
    const total = outcome.gas.reduce((sum, m) => sum + m.gas, 0);
    const step = outcome.gas.find((m) => m.move === "step")!.gas;
    t.diagnostic(JSON.stringify({ moves: outcome.gas.length, game_gas_total: total, max_move_gas: Math.max(...outcome.gas.filter((m) => m.move !== "step").map((m) => m.gas)), step_gas: step }));
    assert.ok(step <= 1_000_000, `the one-step move: ${step} gas`);
  });

  for (const kind of ["reduce", "clipFactor", "schedule"] as const) {
    it(`with AdamW, the cosine schedule and clipping, a provider wrong at ${kind}'s last instruction loses, and the game ends on it`, async () => {
      const truth = traceOf(ADAMW);
      const operator = truth.program.operators.findIndex((o) => o.kind === OPERATOR_KINDS.indexOf(kind));
      const fault = { step: FIRST_STEP + 1, position: { operator, instruction: truth.counts(FIRST_STEP + 1)[operator]! - 1 } };
      const outcome = await play({ truth, claimed: traceOf(ADAMW, fault), choice: "honest", ...segment });
      assert.equal(outcome.phase, GAME_PHASE.ChallengerWon);
      assert.deepEqual([Number(outcome.step), Number(outcome.operator), Number(outcome.lo)], [fault.step, fault.position.operator, fault.position.instruction], "the bisection found the wrong instruction");
    });
  }

  it("on a CNN of Sigmoid and average pooling, a provider wrong at one instruction of an average pooling's backward loses", async () => {
    const model = importOnnxModel(sigmoidPoolingCnnOnnx()).definition;
    const truth = traceOf(SGD, undefined, model);
    const operator = truth.program.operators.findIndex((o) => o.kind === OPERATOR_KINDS.indexOf("averagePoolBackward"));
    // Input element 18 (row 2, column 2) lies in four overlapping 3×3/2 windows: taps 0–3, then its store at 4.
    const fault = { step: FIRST_STEP + 1, position: { operator, instruction: 18 * 5 + 4 } };
    const outcome = await play({ truth, claimed: traceOf(SGD, fault, model), choice: "honest", ...segment });
    assert.equal(outcome.phase, GAME_PHASE.ChallengerWon);
    assert.deepEqual([Number(outcome.step), Number(outcome.operator), Number(outcome.lo)], [fault.step, operator, fault.position.instruction], "the bisection found the wrong instruction");
  });

  it("on a residual CNN without BatchNorm, a provider wrong at one instruction of a gradient sum (a block input's, read twice) loses", async () => {
    const model = residualCnn();
    const truth = traceOf(SGD, undefined, model);
    const softmax = truth.program.operators.findIndex((o) => o.kind === OPERATOR_KINDS.indexOf("softmax"));
    const operator = truth.program.operators.findIndex((o, index) => index > softmax && o.kind === OPERATOR_KINDS.indexOf("add"));
    // An element the ReLU below lets through (a masked one's fault would vanish): of the centres of channel 0's 14 × 14
    // planes, example by example, the first whose fault changes the segment's last state.
    const faults = Array.from({ length: 8 }, (_, e) => ({ step: FIRST_STEP + 1, position: { operator, instruction: e * 196 + 7 * 14 + 7 } }));
    const fault = faults.find((f) => traceOf(SGD, f, model).stateAt(FIRST_STEP + STEPS) !== truth.stateAt(FIRST_STEP + STEPS));
    assert.ok(fault !== undefined, "one of 8 elements passes the ReLU");
    const outcome = await play({ truth, claimed: traceOf(SGD, fault, model), choice: "honest", ...segment });
    assert.equal(outcome.phase, GAME_PHASE.ChallengerWon);
    assert.deepEqual([Number(outcome.step), Number(outcome.operator), Number(outcome.lo)], [fault.step, operator, fault.position.instruction], "the bisection found the wrong instruction");
  });

  it("on LeNet-5 with BatchNorm, a provider wrong at one input gradient of conv1's BatchNorm loses", async () => {
    const model = importOnnxModel(createLeNet5Onnx({ seed: 1n, batchNorm: true })).definition;
    const truth = traceOf(SGD, undefined, model);
    const softmax = truth.program.operators.findIndex((o) => o.kind === OPERATOR_KINDS.indexOf("softmax"));
    const kinds = truth.program.operators.map((o) => o.kind);
    // The first micro-batch's last BatchNorm backward (conv1.bn's): its dx is conv1's output gradient.
    const operator = kinds.slice(0, kinds.indexOf(OPERATOR_KINDS.indexOf("gather"), softmax)).lastIndexOf(OPERATOR_KINDS.indexOf("batchNormBackward"));
    const values = (SGD.batchSize / SGD.microBatches) * 28 * 28;
    const fault = { step: FIRST_STEP + 1, position: { operator, instruction: 2 * values + 4 + values / 2 } };
    assert.notEqual(traceOf(SGD, fault, model).stateAt(FIRST_STEP + STEPS), truth.stateAt(FIRST_STEP + STEPS), "the fault changes the segment's last state");
    const outcome = await play({ truth, claimed: traceOf(SGD, fault, model), choice: "honest", ...segment });
    assert.equal(outcome.phase, GAME_PHASE.ChallengerWon);
    assert.deepEqual([Number(outcome.step), Number(outcome.operator), Number(outcome.lo)], [fault.step, operator, fault.position.instruction], "the bisection found the wrong instruction");
  });

  it("on a CNN with Dropout, a provider wrong at one element of the first Dropout's mask loses", async () => {
    const model = importOnnxModel(dropoutModel(Math.fround(0.3))).definition;
    const truth = traceOf(SGD, undefined, model);
    // drop1's forward in micro-batch 0: its 2 channels of 24 × 24 values of 8 examples; an element of channel 1.
    const operator = truth.program.operators.findIndex((o) => o.kind === OPERATOR_KINDS.indexOf("dropout"));
    const fault = { step: FIRST_STEP + 1, position: { operator, instruction: 8 * 576 + 300 } };
    assert.notEqual(traceOf(SGD, fault, model).stateAt(FIRST_STEP + STEPS), truth.stateAt(FIRST_STEP + STEPS), "the fault changes the segment's last state");
    const outcome = await play({ truth, claimed: traceOf(SGD, fault, model), choice: "honest", ...segment });
    assert.equal(outcome.phase, GAME_PHASE.ChallengerWon);
    assert.deepEqual([Number(outcome.step), Number(outcome.operator), Number(outcome.lo)], [fault.step, operator, fault.position.instruction], "the bisection found the wrong instruction");
  });

  describe("over a distributed slot's round, from the start the chain computes (roundStart)", () => {
    // Round 2 of rounds of 4 steps (steps 8–11): the first step loads the global model's parameters (a 3-chunk blob),
    // then Adam's bias correction counts from t = 1.
    const model = perceptron();
    const params = initial(model, ADAM, 0).params;
    const globalModel = encodeGlobalModel({ round: 2, params });
    const slotTraceOf = (fault?: ConstructorParameters<typeof VmTrace>[0]["fault"]) => {
      const checkpoint = checkpointOf(ADAM, { ...initial(model, ADAM, 8), params: new Float32Array(model.parameterCount) });
      const schedule = { ...scheduleOf(checkpoint, 4, 48), rounds: true };
      return new VmTrace({ model, config: ADAM, data, examples: train.count, checkpoint, firstStep: 8, schedule, globalModel, fault });
    };
    const round = { firstStep: 8, steps: 4 };
    const truth = slotTraceOf();
    const cases = [
      // A parameter of chunk 1 (bytes 32,768 on) loaded wrong: the game ends on that load, its chunk proven on-chain.
      ["loads one parameter of the global model wrong", { operator: 0, instruction: (32_768 - 16) / 4 + 5 }, 8],
      // An Adam bias correction of the round's second step (t = 2, not 10).
      ["is wrong at a bias correction of the round's second step", { operator: truth.program.operators.findIndex((o, i) => o.kind === OPERATOR_KINDS.indexOf("power") && truth.counts(9)[i] === 4), instruction: 2 }, 9],
    ] as const;
    assert.ok(cases[1][1].operator > 0, "Adam's first bias correction: acc = 1, t = 2 multiplications, the store");
    for (const [what, position, step] of cases) {
      it(`a provider that ${what} loses to an honest challenger, the game ending on that instruction under 1M gas`, async (t) => {
        const fault = { step, position };
        assert.notEqual(slotTraceOf(fault).stateAt(12), truth.stateAt(12), "the fault changes the round's last state");
        const outcome = await play({ truth, claimed: slotTraceOf(fault), choice: "honest", ...round });
        assert.equal(outcome.phase, GAME_PHASE.ChallengerWon);
        assert.deepEqual([Number(outcome.step), Number(outcome.operator), Number(outcome.lo)], [step, position.operator, position.instruction], "the bisection found the wrong instruction");
        const stepGas = outcome.gas.find((m) => m.move === "step")!.gas;
        t.diagnostic(`${outcome.gas.length} moves, the one-step move ${stepGas} gas`);
        assert.ok(stepGas <= 1_000_000);
      });
    }
    it("an honest provider wins against a challenger who would disagree with everything", async () => {
      assert.equal((await play({ truth, claimed: truth, choice: "always disagree", ...round })).phase, GAME_PHASE.ProviderWon);
    });
  });

  for (const choice of ["always disagree", "always agree"] as const) {
    it(`an honest provider wins against a challenger who would ${choice.replace("always ", "")}`, async () => {
      const truth = traceOf(SGD);
      const outcome = await play({ truth, claimed: truth, choice, ...segment });
      assert.equal(outcome.phase, GAME_PHASE.ProviderWon);
    });
  }
});

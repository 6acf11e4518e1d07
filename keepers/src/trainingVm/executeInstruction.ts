import { expF64, logF64 } from "../training/deterministicMath.ts";
import { CLIP_EPSILON, learningRateAt } from "../training/optimizer.ts";
import { keyedStateAt, PRNG_DOMAIN, SplitMix64 } from "../training/prng.ts";
import { SMOOTH_ACTIVATIONS } from "../training/smoothActivation.ts";
import { BATCH_NORM_WORK, batchPosition, CHECKPOINT_HEADER_SLOTS, GLOBAL_DIGEST_SLOT, instructionCount, CONSTANT_SLOTS, optimizerLoads, poolOverlap, statisticOf, SOFTMAX_WORK, TREE, type MemoryTree, type Operator, type StepContext } from "./stepProgram.ts";

/** How an instruction reaches memory: the VM's own buffers, or a recorder of the words a proof must open. */
export interface VmMemory {
  f32(tree: MemoryTree, slot: number): number;
  /** A binary64 at an even slot (both halves in one word). */
  f64(tree: MemoryTree, slot: number): number;
  /** Byte `offset` of the training data: pixels (n·W), then labels (n). */
  dataByte(offset: number): number;
  /** A distributed slot's round start: parameter `index` of the round's global model (+0 past its blob's end). */
  globalParameter(index: number): number;
  setF32(tree: MemoryTree, slot: number, value: number): void;
  setF64(tree: MemoryTree, slot: number, value: number): void;
}

/** The VM's registers: the binary64 accumulator. */
export type Registers = { acc: number };

/** What instructions read besides memory: the step's context and its data order. */
export type Environment = { context: StepContext; order: (position: number) => number };

const { scratch, checkpoint } = TREE;

/**
 * Executes instruction `i` of `operator` (docs/training-vm.md §4): reads at most three words, writes at most
 * one, updates the accumulator. The end of the step (kind "end") is not executed here: it rewrites the
 * checkpoint header and clears the scratch, which {@link TrainingVm} does.
 */
export function executeInstruction(operator: Operator, i: number, env: Environment, memory: VmMemory, registers: Registers): void {
  const { context } = env;
  switch (operator.kind) {
    case "load": {
      // The last instruction clears the digest's word (four binary64 zeros); the others read the digest (the chain
      // proves the global model's chunk against it) and copy a parameter.
      if (i + 1 === instructionCount(operator, context)) {
        for (let slot = GLOBAL_DIGEST_SLOT; slot < GLOBAL_DIGEST_SLOT + 8; slot += 2) memory.setF64(scratch, slot, 0);
        return;
      }
      memory.f32(scratch, GLOBAL_DIGEST_SLOT);
      memory.setF32(checkpoint, CHECKPOINT_HEADER_SLOTS + i, memory.globalParameter(i));
      return;
    }
    case "gather": {
      const { width: W, channels } = context;
      const plane = W / channels;
      const e = Math.floor(i / W);
      const q = i - e * W;
      const c = Math.floor(q / plane);
      const example = env.order(batchPosition(context, operator.microBatch, e));
      const value = memory.dataByte(example * W + q) / 255;
      const examples = context.config.batchSize / context.config.microBatches;
      memory.setF32(scratch, operator.destination + (c * examples + e) * plane + (q - c * plane), value);
      return;
    }
    case "matMul": {
      const { k, n, a, b } = operator;
      const element = Math.floor(i / (k + 1));
      const r = i - element * (k + 1);
      const row = Math.floor(element / n);
      const column = element - row * n;
      if (r < k) {
        const right = memory.f32(b.tree, b.offset + r * b.outer + column * b.inner);
        const term = a === null ? right : memory.f32(a.tree, a.offset + row * a.outer + r * a.inner) * right;
        registers.acc = (r === 0 ? 0 : registers.acc) + term;
        return;
      }
      const sum = Math.fround(registers.acc);
      const value = operator.bias === null ? sum : sum + memory.f32(checkpoint, operator.bias + (operator.biasPerRow ? row : column));
      memory.setF32(scratch, operator.destination + element, value);
      return;
    }
    case "relu": {
      const x = memory.f32(scratch, operator.source + i);
      memory.setF32(scratch, operator.destination + i, x > 0 ? x : 0);
      return;
    }
    case "add":
    case "sub":
    case "mul": {
      const [a, b] = [memory.f32(scratch, operator.first + i), memory.f32(scratch, operator.second + i)];
      memory.setF32(scratch, operator.destination + i, operator.kind === "add" ? a + b : operator.kind === "sub" ? a - b : a * b);
      return;
    }
    case "negate":
      memory.setF32(scratch, operator.destination + i, -memory.f32(scratch, operator.source + i));
      return;
    case "reluMask": {
      const y = memory.f32(scratch, operator.activation + i);
      memory.setF32(scratch, operator.gradient + i, y > 0 ? memory.f32(scratch, operator.gradient + i) : 0);
      return;
    }
    case "sigmoid":
    case "tanh":
      memory.setF32(scratch, operator.destination + i, SMOOTH_ACTIVATIONS[operator.kind].value(memory.f32(scratch, operator.source + i)));
      return;
    case "dropout": {
      const { plane, microBatch, drawsPerExample, drawOffset } = operator;
      const b = context.config.batchSize / context.config.microBatches;
      const c = Math.floor(i / (b * plane));
      const e = Math.floor(i / plane) % b;
      const j = c * plane + (i % plane);
      // Output number `draw` of the stream (seed, 7, step) is the first after `draw` outputs; its high word decides.
      const draw = (microBatch * b + e) * drawsPerExample + drawOffset + j;
      const stream = { seed: BigInt(context.config.seed), domain: PRNG_DOMAIN.dropout, index: BigInt(context.step) };
      const u = new SplitMix64(keyedStateAt(stream, BigInt(draw))).nextUint32();
      const x = memory.f32(scratch, operator.source + i);
      memory.setF32(scratch, operator.destination + i, u >= operator.threshold ? x / operator.keep : 0);
      return;
    }
    case "sigmoidBackward":
    case "tanhBackward": {
      const { derivative } = SMOOTH_ACTIVATIONS[operator.kind === "sigmoidBackward" ? "sigmoid" : "tanh"];
      const y = memory.f32(scratch, operator.activation + i);
      memory.setF32(scratch, operator.gradient + i, memory.f32(scratch, operator.gradient + i) * derivative(y));
      return;
    }
    case "softmax":
    case "logSoftmax": {
      // Both start alike: the first maximum, then the exponentials and their sum. LogSoftmax then keeps log S in the
      // sum's slot and stores y_j = (z_j − max) − log S.
      const C = context.classes;
      const per = 3 * C + 2;
      const e = Math.floor(i / per);
      const r = i - e * per;
      const logits = operator.kind === "softmax" ? operator.logits : operator.source;
      if (r < C) {
        const z = memory.f32(scratch, logits + e * C + r);
        registers.acc = r === 0 || z > registers.acc ? z : registers.acc;
      } else if (r === C) {
        memory.setF32(scratch, SOFTMAX_WORK.max, registers.acc);
      } else if (r <= 2 * C) {
        const j = r - C - 1;
        const exponential = Math.fround(expF64(memory.f32(scratch, logits + e * C + j) - memory.f32(scratch, SOFTMAX_WORK.max)));
        memory.setF32(scratch, SOFTMAX_WORK.exponentials + j, exponential);
        registers.acc = (j === 0 ? 0 : registers.acc) + exponential;
      } else if (r === 2 * C + 1) {
        memory.setF64(scratch, SOFTMAX_WORK.sum, operator.kind === "softmax" ? registers.acc : logF64(registers.acc));
      } else if (operator.kind === "logSoftmax") {
        const j = r - 2 * C - 2;
        const shifted = memory.f32(scratch, logits + e * C + j) - memory.f32(scratch, SOFTMAX_WORK.max);
        memory.setF32(scratch, operator.destination + e * C + j, shifted - memory.f64(scratch, SOFTMAX_WORK.sum));
      } else {
        const j = r - 2 * C - 2;
        const label = memory.dataByte(context.examples * context.width + env.order(batchPosition(context, operator.microBatch, e)));
        const p = memory.f32(scratch, SOFTMAX_WORK.exponentials + j) / memory.f64(scratch, SOFTMAX_WORK.sum);
        memory.setF32(scratch, operator.gradient + e * C + j, (p - (j === label ? 1 : 0)) / context.config.batchSize);
      }
      return;
    }
    case "logSoftmaxBackward": {
      // T = Σ_k dy_k, then dz_j = dy_j − expF64(y_j)·T in place.
      const C = context.classes;
      const e = Math.floor(i / (2 * C));
      const r = i - e * 2 * C;
      const slot = operator.gradient + e * C + (r % C);
      const dy = memory.f32(scratch, slot);
      if (r < C) registers.acc = (r === 0 ? 0 : registers.acc) + dy;
      else memory.setF32(scratch, slot, dy - expF64(memory.f32(scratch, operator.activation + e * C + r - C)) * registers.acc);
      return;
    }
    case "power": {
      if (multiply(i, instructionCount(operator, context), operator.base, registers)) return;
      if (operator.store === "learningRate") memory.setF32(scratch, operator.destination, operator.scale * registers.acc);
      else memory.setF64(scratch, operator.destination, 1 - registers.acc);
      return;
    }
    case "schedule": {
      const { schedule, learningRate } = operator;
      if (schedule.type === "step") {
        if (!multiply(i, instructionCount(operator, context), schedule.gamma, registers)) memory.setF32(scratch, CONSTANT_SLOTS.learningRate, learningRate * registers.acc);
        return;
      }
      // The cosine schedule is one instruction: the engine's formula at the job's step t (cosF64 included).
      memory.setF32(scratch, CONSTANT_SLOTS.learningRate, learningRateAt({ ...context.config.optimizer, learningRate, schedule }, context));
      return;
    }
    case "reduce": {
      const { microBatches: M } = context.config;
      const p = Math.floor(i / M);
      const r = i - p * M;
      accumulate(context, memory, registers, p, r);
      // A running statistic's slots stay the micro-batches' own: the optimizer averages their unrounded sum.
      if (r === M - 1 && statisticOf(operator.statistics, p) === undefined) memory.setF32(scratch, context.gradients + p, registers.acc);
      return;
    }
    case "clipFactor": {
      if (i < context.parameters) {
        // The running statistics take no part in the norm.
        const g = statisticOf(operator.statistics, i) === undefined ? memory.f32(scratch, context.gradients + i) : 0;
        registers.acc = (i === 0 ? 0 : registers.acc) + g * g;
        return;
      }
      const k = operator.maxNorm / (Math.sqrt(registers.acc) + CLIP_EPSILON);
      memory.setF64(scratch, CONSTANT_SLOTS.clipFactor, k < 1 ? k : 1);
      return;
    }
    case "optimizer": {
      const P = context.parameters;
      const optimizer = context.config.optimizer;
      const loads = optimizerLoads(operator, context.config);
      const per = loads + (optimizer.type === "sgd" ? 2 : 3);
      const p = Math.floor(i / per);
      const r = i - p * per;
      const statistic = statisticOf(operator.statistics, p);
      if (r < loads) {
        // ĝ into acc: the micro-batches' sum (a running statistic's always), or the reduced gradient times the clipping's
        // factor (exact when it is 1) at the first load, nothing at the others.
        if (!operator.clipped || statistic !== undefined) accumulate(context, memory, registers, p, r);
        else if (r === 0) registers.acc = Math.fround(memory.f32(scratch, context.gradients + p) * memory.f64(scratch, CONSTANT_SLOTS.clipFactor));
        return;
      }
      const phase = r - loads;
      const weightSlot = CHECKPOINT_HEADER_SLOTS + p;
      if (statistic !== undefined) {
        // A running statistic: nothing until the last phase, then r ← α·r + (1 − α)·(s / M).
        if (phase === (optimizer.type === "sgd" ? 1 : 2)) {
          const { momentum: alpha } = statistic;
          memory.setF32(checkpoint, weightSlot, alpha * memory.f32(checkpoint, weightSlot) + (1 - alpha) * (registers.acc / context.config.microBatches));
        }
        return;
      }
      const stateSlot = (vector: number) => CHECKPOINT_HEADER_SLOTS + P * (1 + vector) + p;
      const w = memory.f32(checkpoint, weightSlot);
      const decoupled = optimizer.type === "adamw";
      const g = Math.fround(registers.acc) + (decoupled ? 0 : optimizer.weightDecay) * w;
      const lr = memory.f32(scratch, CONSTANT_SLOTS.learningRate);
      if (optimizer.type === "sgd") {
        if (phase === 0) memory.setF32(checkpoint, stateSlot(0), optimizer.momentum * memory.f32(checkpoint, stateSlot(0)) + g);
        else memory.setF32(checkpoint, weightSlot, w - lr * memory.f32(checkpoint, stateSlot(0)));
        return;
      }
      const { beta1, beta2, epsilon } = optimizer;
      if (phase === 0) memory.setF32(checkpoint, stateSlot(0), beta1 * memory.f32(checkpoint, stateSlot(0)) + (1 - beta1) * g);
      else if (phase === 1) memory.setF32(checkpoint, stateSlot(1), beta2 * memory.f32(checkpoint, stateSlot(1)) + (1 - beta2) * g * g);
      else {
        const m = memory.f32(checkpoint, stateSlot(0)) / memory.f64(scratch, CONSTANT_SLOTS.correction1);
        const v = memory.f32(checkpoint, stateSlot(1)) / memory.f64(scratch, CONSTANT_SLOTS.correction2);
        const kept = decoupled ? w * (1 - lr * optimizer.weightDecay) : w;
        memory.setF32(checkpoint, weightSlot, kept - (lr * m) / (Math.sqrt(v) + epsilon));
      }
      return;
    }
    case "end":
      throw new RangeError("the end of a step is executed by the VM, not as an instruction");
    case "batchNorm":
    case "batchNormBackward":
      batchNormInstruction(operator, i, context, memory, registers);
      return;
    case "im2col": {
      const { height: H, width: W, kernel: [kH, kW], stride: [sH, sW], pads: [pT, pL], out: [OH, OW], source, destination } = operator.window;
      const b = context.config.batchSize / context.config.microBatches;
      const positions = b * OH * OW;
      const k = Math.floor(i / positions);
      const q = i - k * positions;
      const ci = Math.floor(k / (kH * kW));
      const ky = Math.floor((k % (kH * kW)) / kW);
      const kx = k % kW;
      const e = Math.floor(q / (OH * OW));
      const oy = Math.floor((q % (OH * OW)) / OW);
      const iy = oy * sH - pT + ky;
      const ix = (q % OW) * sW - pL + kx;
      const inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
      memory.setF32(scratch, destination + i, inside ? memory.f32(scratch, source + (ci * b + e) * H * W + iy * W + ix) : 0);
      return;
    }
    case "col2im": {
      const { height: H, width: W, kernel: [kH, kW], stride: [sH, sW], pads: [pT, pL], out: [OH, OW], source, destination } = operator.window;
      const b = context.config.batchSize / context.config.microBatches;
      const taps = kH * kW;
      const t = Math.floor(i / (taps + 1));
      const r = i - t * (taps + 1);
      if (r === taps) {
        memory.setF32(scratch, destination + t, registers.acc);
        return;
      }
      const ci = Math.floor(t / (b * H * W));
      const e = Math.floor(t / (H * W)) % b;
      const ny = Math.floor(t / W) % H + pT - Math.floor(r / kW);
      const nx = (t % W) + pL - (r % kW);
      let acc = r === 0 ? 0 : registers.acc;
      if (ny >= 0 && nx >= 0 && ny % sH === 0 && nx % sW === 0 && ny / sH < OH && nx / sW < OW) {
        const q = (e * OH + ny / sH) * OW + nx / sW;
        acc = acc + memory.f32(scratch, source + (ci * taps + r) * b * OH * OW + q);
      }
      registers.acc = acc;
      return;
    }
    case "maxPool":
    case "averagePool": {
      const { height: H, width: W, kernel: [kH, kW], stride: [sH, sW], out: [OH, OW], source, destination } = operator.window;
      const taps = kH * kW;
      const average = operator.kind === "averagePool";
      const o = Math.floor(i / (taps + 1));
      const r = i - o * (taps + 1);
      if (r === taps) {
        memory.setF32(scratch, destination + o, average ? registers.acc / taps : registers.acc);
        return;
      }
      const plane = Math.floor(o / (OH * OW));
      const oy = Math.floor((o % (OH * OW)) / OW);
      const v = memory.f32(scratch, source + plane * H * W + (oy * sH + Math.floor(r / kW)) * W + (o % OW) * sW + (r % kW));
      if (average) registers.acc = (r === 0 ? 0 : registers.acc) + v;
      else registers.acc = r === 0 || v > registers.acc ? v : registers.acc;
      return;
    }
    case "maxPoolBackward": {
      const { height: H, width: W, kernel: [kH, kW], stride: [sH, sW], out: [OH, OW], source, destination, forwardOutput, outputGradient } = operator.window;
      const plane = Math.floor(i / (H * W));
      const iy = Math.floor(i / W) % H;
      const ix = i % W;
      const [oy, ox] = [Math.floor(iy / sH), Math.floor(ix / sW)];
      const [ky, kx] = [iy - oy * sH, ix - ox * sW];
      let value = 0;
      if (ky < kH && kx < kW && oy < OH && ox < OW) {
        // The engine routes the gradient to the window's first maximum: the first element equal to the maximum, or the first element when the maximum is NaN.
        const o = (plane * OH + oy) * OW + ox;
        const max = memory.f32(scratch, forwardOutput + o);
        let first = 0;
        while (first < kH * kW && !(memory.f32(scratch, source + plane * H * W + (oy * sH + Math.floor(first / kW)) * W + ox * sW + (first % kW)) === max)) first++;
        if (first === kH * kW) first = 0;
        if (first === ky * kW + kx) value = 0 + memory.f32(scratch, outputGradient + o);
      }
      memory.setF32(scratch, destination + i, value);
      return;
    }
    case "averagePoolBackward": {
      // The engine adds each output's share to its window's elements, outputs in order, rounding to binary32 after
      // each addition: an element gets the shares of the windows holding it, rows then columns ascending.
      const { height: H, width: W, kernel: [kH, kW], stride: [sH, sW], out: [OH, OW], destination, outputGradient } = operator.window;
      const [overlapH, overlapW] = poolOverlap(operator.window);
      const taps = overlapH * overlapW;
      const t = Math.floor(i / (taps + 1));
      const r = i - t * (taps + 1);
      if (r === taps) {
        memory.setF32(scratch, destination + t, registers.acc);
        return;
      }
      const [iy, ix] = [Math.floor(t / W) % H, t % W];
      const oy = firstWindow(iy, kH, sH) + Math.floor(r / overlapW);
      const ox = firstWindow(ix, kW, sW) + (r % overlapW);
      let acc = r === 0 ? 0 : registers.acc;
      if (oy * sH <= iy && oy < OH && ox * sW <= ix && ox < OW) {
        const o = (Math.floor(t / (H * W)) * OH + oy) * OW + ox;
        acc = Math.fround(acc + memory.f32(scratch, outputGradient + o) / (kH * kW));
      }
      registers.acc = acc;
      return;
    }
    case "flatten": {
      const { channels: C, plane: P, backward, source, destination } = operator;
      const b = context.config.batchSize / context.config.microBatches;
      let from: number;
      if (backward) {
        const [c, e, p] = [Math.floor(i / (b * P)), Math.floor(i / P) % b, i % P];
        from = (e * C + c) * P + p;
      } else {
        const [e, c, p] = [Math.floor(i / (C * P)), Math.floor(i / P) % C, i % P];
        from = (c * b + e) * P + p;
      }
      memory.setF32(scratch, destination + i, memory.f32(scratch, source + from));
      return;
    }
  }
}

/** Instruction `i` of a power of `count` instructions: acc = 1, then acc = acc·base; false at the last, which stores acc. */
function multiply(i: number, count: number, base: number, registers: Registers): boolean {
  if (i === count - 1) return false;
  registers.acc = i === 0 ? 1 : registers.acc * base;
  return true;
}

/** Micro-batch `r`'s gradient of parameter `p` into the binary64 sum in acc: acc = g₀, then acc = acc + g_r. */
function accumulate(context: StepContext, memory: VmMemory, registers: Registers, p: number, r: number): void {
  const g = memory.f32(scratch, context.gradients + r * context.parameters + p);
  registers.acc = r === 0 ? g : registers.acc + g;
}

/** The first window (along one axis: `kernel`, `stride`) holding element `index`: the first whose end passes it. */
function firstWindow(index: number, kernel: number, stride: number): number {
  return index < kernel ? 0 : Math.floor((index - kernel) / stride) + 1;
}

/**
 * Instruction `i` of a BatchNorm's forward or backward (docs/training-vm.md §4): channel ⌊i / per⌋, then its phases
 * over the channel's `count` = b·plane values, element j at `c + j·C` (features: plane 1) or `c·count + j` (CNHW). Two
 * sums of `count` instructions, each followed by two stores; then the forward's x̂ and y, or the backward's dx.
 */
function batchNormInstruction(
  operator: Extract<Operator, { kind: "batchNorm" | "batchNormBackward" }>, i: number, context: StepContext, memory: VmMemory, registers: Registers,
): void {
  const { channels: C, plane, normalized, statistics, scale } = operator;
  const count = (context.config.batchSize / context.config.microBatches) * plane;
  const per = instructionCount(operator, context) / C;
  const c = Math.floor(i / per);
  const r = i - c * per;
  const element = (k: number) => (plane === 1 ? c + k * C : c * count + k);
  const work = statistics + 8 * c;
  const f64 = (slot: keyof typeof BATCH_NORM_WORK) => memory.f64(scratch, work + BATCH_NORM_WORK[slot]);
  const gamma = () => memory.f32(checkpoint, scale + c);
  const xHat = (k: number) => memory.f32(scratch, normalized + element(k));
  if (r >= 2 * count + 4) {
    // The last values' pass: x̂ then y (forward), or dx (backward).
    const k = r - 2 * count - 4;
    if (operator.kind === "batchNormBackward") {
      const dy = memory.f32(scratch, operator.gradient + element(k));
      memory.setF32(scratch, operator.destination + element(k), ((gamma() * f64("inverse")) / count) * ((count * dy - f64("sumDy")) - xHat(k) * f64("sumDyX")));
    } else if (k < count) {
      memory.setF32(scratch, normalized + element(k), (memory.f32(scratch, operator.source + element(k)) - f64("mean")) * f64("inverse"));
    } else {
      memory.setF32(scratch, operator.destination + element(k - count), gamma() * xHat(k - count) + memory.f32(checkpoint, operator.bias + c));
    }
    return;
  }
  const phase = Math.floor(r / (count + 2));
  const j = r - phase * (count + 2);
  if (operator.kind === "batchNorm") {
    const { source, meanGradient, varianceGradient, epsilon } = operator;
    if (j < count) {
      const x = memory.f32(scratch, source + element(j));
      const term = phase === 0 ? x : (x - f64("mean")) * (x - f64("mean"));
      registers.acc = (j === 0 ? 0 : registers.acc) + term;
    } else if (phase === 0 && j === count) memory.setF64(scratch, work + BATCH_NORM_WORK.mean, registers.acc / count);
    else if (phase === 0) memory.setF32(scratch, meanGradient + c, f64("mean"));
    else if (j === count) memory.setF64(scratch, work + BATCH_NORM_WORK.inverse, 1 / Math.sqrt(registers.acc / count + epsilon));
    else memory.setF32(scratch, varianceGradient + c, registers.acc / (count - 1));
    return;
  }
  const { gradient, scaleGradient, biasGradient } = operator;
  if (j < count) {
    const dy = memory.f32(scratch, gradient + element(j));
    registers.acc = (j === 0 ? 0 : registers.acc) + (phase === 0 ? dy : dy * xHat(j));
  } else if (j === count) memory.setF64(scratch, work + (phase === 0 ? BATCH_NORM_WORK.sumDy : BATCH_NORM_WORK.sumDyX), registers.acc);
  else memory.setF32(scratch, (phase === 0 ? biasGradient : scaleGradient) + c, registers.acc);
}

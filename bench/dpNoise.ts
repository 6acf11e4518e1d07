/**
 * Throughput of DP-SGD's exact discrete Gaussian noise (docs/dp-noise.md): samples per second on
 * one thread, filling LeNet-5-sized vectors (61,706 coordinates, one optimizer step each) for
 * realistic σ·C/Δ. Each figure is the median over the repetitions (the machine is shared).
 *
 *   node bench/dpNoise.ts
 *   node bench/dpNoise.ts --repetitions 9 --steps 20
 *
 * The last line of stdout is one JSON object: { "<σ>·<C>/2^-<k>": samples per second }.
 */
import { Command } from "commander";
import { discreteGaussianNoise } from "../keepers/src/privacy/discreteGaussianNoise.ts";

const LENET5_PARAMETERS = 61_706;
const CASES = [
  { noiseMultiplier: "1", clipNorm: "1", fractionBits: 20 },
  { noiseMultiplier: "1.1", clipNorm: "1", fractionBits: 20 },
  { noiseMultiplier: "1", clipNorm: "1", fractionBits: 24 },
  { noiseMultiplier: "0.5", clipNorm: "0.1", fractionBits: 16 },
];

const { repetitions, steps } = new Command()
  .option("--repetitions <n>", "timed repetitions per case", (v) => Number(v), 5)
  .option("--steps <n>", "optimizer steps (vectors) per repetition", (v) => Number(v), 10)
  .parse()
  .opts<{ repetitions: number; steps: number }>();

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const figures: Record<string, number> = {};
const out = new Float64Array(LENET5_PARAMETERS);
for (const spec of CASES) {
  const noise = discreteGaussianNoise(spec);
  noise.fill({ seed: 1n, step: 0, out });
  const rates = Array.from({ length: repetitions }, (_, repetition) => {
    const start = performance.now();
    for (let step = 0; step < steps; step++) noise.fill({ seed: 1n, step: repetition * steps + step, out });
    return (steps * LENET5_PARAMETERS) / ((performance.now() - start) / 1000);
  });
  const name = `${spec.noiseMultiplier}·${spec.clipNorm}/2^-${spec.fractionBits}`;
  figures[name] = Math.round(median(rates));
  console.log(`σ·C/Δ = ${name}: ${(figures[name] / 1e6).toFixed(2)} M samples/s (median of ${repetitions}), ${((LENET5_PARAMETERS / figures[name]) * 1000).toFixed(1)} ms per LeNet-5 step`);
}
console.log(JSON.stringify(figures));

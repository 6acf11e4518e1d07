/** Worker side of the discrete Gaussian thread test: fills the noise of workerData's (seed, step) and posts it. */
import { parentPort, workerData } from "node:worker_threads";
import { discreteGaussianNoise } from "../../../keepers/src/privacy/discreteGaussianNoise.ts";

const { spec, seed, step, length } = workerData as { spec: Parameters<typeof discreteGaussianNoise>[0]; seed: bigint; step: number; length: number };
parentPort!.postMessage(discreteGaussianNoise(spec).fill({ seed, step, out: new Float64Array(length) }));

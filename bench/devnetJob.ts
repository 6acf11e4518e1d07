/**
 * Chooses the devnet's default job: trains LeNet-5 with the deterministic engine (one thread, as
 * one of the devnet's two cores) on the splits the devnet ingests (`--images` of each MNIST split)
 * for each recipe given, and prints, per epoch, test accuracy and the CPU seconds of training so
 * far (the test evaluation excluded). One JSON line per recipe.
 *
 *   npm run bench:devnet-job -- '[{"trainImages":4900,"epochs":4,"learningRate":"0.002","learningRateDecay":"0.7","checkpointInterval":25,"testImages":1000}]'
 */
import { loadavg } from "node:os";
import { Command } from "commander";
import { parseCount } from "../keepers/src/cli/commandContext.ts";
import { defaultJobSpec, type DefaultJobSpecParameters } from "../keepers/src/jobs/defaultJobSpec.ts";
import { loadMnist } from "../keepers/src/training/mnist.ts";
import { prepareJob } from "../keepers/src/training/preparedJob.ts";
import { trainJob } from "../keepers/src/training/trainJob.ts";

const options = new Command("bench:devnet-job")
  .argument("<recipes>", "JSON array of defaultJobSpec parameters (sizes excepted)")
  .option("--images <n>", "images of each split the devnet ingests", "5000")
  .parse();
const images = parseCount(options.opts<{ images: string }>().images, "--images", 1);
const recipes = JSON.parse(options.args[0]!) as Omit<DefaultJobSpecParameters, "sizes">[];
const sources = loadMnist();
const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1e6;
};

for (const recipe of recipes) {
  const { spec, modelBytes } = defaultJobSpec({ sizes: { train: images, test: images }, ...recipe });
  const job = prepareJob({ spec, modelBytes, sources });
  const loadBefore = loadavg()[0]!;
  const start = process.cpuUsage();
  let evaluation = 0;
  const epochs: { epoch: number; test_acc: number; train_cpu_s: number }[] = [];
  await trainJob({
    job,
    threads: 1,
    onEpochEnd: async (epoch, _train, trainer) => {
      const evaluationStart = process.cpuUsage();
      const { accuracy } = await trainer.evaluate("test");
      evaluation += cpuSeconds(evaluationStart);
      epochs.push({ epoch: epoch + 1, test_acc: Math.round(accuracy * 10_000) / 100, train_cpu_s: Math.round((cpuSeconds(start) - evaluation) * 10) / 10 });
    },
  });
  console.log(JSON.stringify({ ...recipe, train: spec.dataset.splits.train.end, test: spec.dataset.splits.test.end, checkpoints: job.checkpointSteps.length, epochs, load_average: [loadBefore, loadavg()[0]] }));
}

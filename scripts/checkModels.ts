/**
 * Exhaustive model checks of the protocol with spin (docs/formal-checks.md): every configuration of every
 * Promela model under formal/, each with its bounds below. For each check: `spin -a` with the
 * configuration's -D defines writes the verifier pan.c, gcc compiles it, ./pan searches the whole state
 * space (never bitstate: a check must be exhaustive), all in a temporary directory.
 * - `safety`: every assert of the model (conservation, at most one payout, the honest parties' outcomes, …)
 *   and no invalid end state (no run stops before the job ends).
 * - `progress`: no non-progress cycle. The models have no progress label, so any cycle at all is one:
 *   passing means every run is finite, i.e. every job, dispute and game ends.
 *
 *   node scripts/checkModels.ts    one line per check, then a summary; exits 1 on any error, printing the
 *                                  counterexample (the shortest one, for safety) as the actions it takes
 * spin and gcc come from `bash scripts/setup-spin.sh`.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";

export type Check = "safety" | "progress";

/** One configuration of a model: its -D defines (the bounds and the honest parties) and the checks run on it. */
export type ModelConfig = {
  model: string; // path from the repository root
  name: string;
  defines: Record<string, number>;
  checks: Check[];
  hashBits: number; // pan -w: log2 of the hash table's slots (sized to the states; it never limits the search)
};

const JOB_DISPUTE = "formal/jobDispute.pml";

/**
 * The configurations and their bounds. Common to all: REWARD 2, MINSTAKE 2, one consumer, bidders P and R
 * (RIVAL 1), one challenger with MAXCH challenges, the committee's verdict possible from CDELAY 1 tick
 * after a challenge; the game's 3 levels with every unit count 1..MAXU, each side's clock CLOCK ticks.
 */
export const CONFIGS: ModelConfig[] = [
  // Both sides arbitrary: conservation, at most one payout, no stake left locked, every run ends.
  { model: JOB_DISPUTE, name: "arbitrary", defines: { HONEST_P: 0, HONEST_C: 0, MAXU: 3, CLOCK: 2, MAXCH: 2 }, checks: ["safety", "progress"], hashBits: 24 },
  // Honest provider P against an arbitrary challenger (and rival, and committee).
  { model: JOB_DISPUTE, name: "honest-provider", defines: { HONEST_P: 1, HONEST_C: 0, MAXU: 4, CLOCK: 4, MAXCH: 2 }, checks: ["safety", "progress"], hashBits: 24 },
  // Honest challenger against an arbitrary provider.
  { model: JOB_DISPUTE, name: "honest-challenger", defines: { HONEST_P: 0, HONEST_C: 1, MAXU: 8, CLOCK: 4, MAXCH: 2 }, checks: ["safety", "progress"], hashBits: 22 },
];

/** pan's search depth limit: far beyond the deepest run (a few hundred steps); reaching it is an error. */
const MAX_DEPTH = 100_000;
/** pan's memory limit in MB: running out is an error (the search would not be exhaustive). */
const MEMLIM_MB = 3_000;

export type CheckResult = {
  config: string;
  check: Check;
  errors: number;
  states: number;
  stateVector: number;
  depth: number;
  seconds: number;
  problem?: string; // why the run does not count as a pass, besides errors
};

/** Reads pan's report. "unreached in proctype" lines are informational and ignored. */
export function parsePan(output: string, check: Check): Omit<CheckResult, "config" | "check" | "seconds"> {
  const num = (re: RegExp) => {
    const m = output.match(re);
    return m ? Number(m[1]) : Number.NaN;
  };
  const errors = num(/errors: (\d+)/);
  const result = {
    errors: Number.isNaN(errors) ? 1 : errors,
    states: num(/(\d+) states, stored/),
    stateVector: num(/State-vector (\d+) byte/),
    depth: num(/depth reached (\d+)/),
  };
  let problem: string | undefined;
  if (Number.isNaN(errors)) problem = "pan printed no result";
  else if (/reached -DMEMLIM bound|out of memory/.test(output)) problem = `pan ran out of memory (-DMEMLIM=${MEMLIM_MB})`;
  else if (/max search depth too small/.test(output)) problem = `search depth ${MAX_DEPTH} too small`;
  else if (!/Full statespace search/.test(output)) problem = "the search was not exhaustive";
  else if (check === "safety" && !/invalid end states\s+\+/.test(output)) problem = "invalid end states were not checked";
  else if (check === "progress" && !/non-progress cycles\s+\+/.test(output)) problem = "non-progress cycles were not checked";
  return { ...result, ...(problem ? { problem } : {}) };
}

function exec(cmd: string, args: string[], cwd: string): { stdout: string; status: number } {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (r.error) {
    if ((r.error as NodeJS.ErrnoException).code === "ENOENT") {
      console.error(`${cmd} is not installed: run bash scripts/setup-spin.sh`);
      process.exit(1);
    }
    throw r.error;
  }
  return { stdout: `${r.stdout}${r.stderr}`, status: r.status ?? 1 };
}

function mustExec(cmd: string, args: string[], cwd: string): string {
  const { stdout, status } = exec(cmd, args, cwd);
  if (status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${status}):\n${stdout.slice(-2000)}`);
  return stdout;
}

const definesOf = (config: ModelConfig) => Object.entries(config.defines).map(([k, v]) => `-D${k}=${v}`);

/** Generates, compiles and runs pan for one check in `dir`, which holds a copy of the model. */
function runCheck(dir: string, config: ModelConfig, check: Check, extraCc: string[] = []): { output: string; seconds: number } {
  const model = basename(config.model);
  mustExec("spin", ["-a", ...definesOf(config), model], dir);
  const mode = check === "safety" ? "-DSAFETY" : "-DNP";
  mustExec("gcc", ["-O1", mode, `-DMEMLIM=${MEMLIM_MB}`, ...extraCc, "-o", "pan", "pan.c"], dir);
  const panArgs = [`-m${MAX_DEPTH}`, `-w${config.hashBits}`, ...(check === "progress" ? ["-l"] : [])];
  const t0 = performance.now();
  const { stdout } = exec("./pan", panArgs, dir);
  return { output: stdout, seconds: (performance.now() - t0) / 1000 };
}

/**
 * The counterexample of a failed check as the transactions it takes: each step of `spin -t -p` on an
 * option of the model's main loop is printed with that option's label (its trailing comment), repeats folded.
 */
function counterexample(dir: string, config: ModelConfig, check: Check): string[] {
  const model = basename(config.model);
  if (check === "safety") {
    // Breadth-first search finds the shortest trail to the first error.
    runCheck(dir, config, check, ["-DBFS"]);
  }
  if (!existsSync(join(dir, `${model}.trail`))) return ["  (no trail written)"];
  const source = readFileSync(join(dir, model), "utf8").split("\n");
  const labels = new Map<number, string>();
  source.forEach((line, i) => {
    const m = line.match(/^\s*:: atomic \{.*->\s*\/\*\s*(.+?)\s*\*\/\s*$/);
    if (m?.[1]) labels.set(i + 1, m[1]);
  });
  const { stdout } = exec("spin", ["-t", "-p", ...definesOf(config), model], dir);
  const out: string[] = [];
  let last = "";
  let repeat = 0;
  const flush = () => {
    if (last) out.push(`    ${last}${repeat > 1 ? ` ×${repeat}` : ""}`);
  };
  for (const line of stdout.split("\n")) {
    const step = line.match(/^\s*\d+:\s+proc\s+\d+ \(\S+\) \S+:(\d+) \(state \d+\)/);
    const label = step ? labels.get(Number(step[1])) : undefined;
    if (label) {
      if (label === last) repeat++;
      else {
        flush();
        last = label;
        repeat = 1;
      }
    } else if (/START OF CYCLE|assertion violated|invalid end state|Error:/.test(line)) {
      flush();
      last = "";
      out.push(`    ${line.trim()}`);
    }
  }
  flush();
  return out.length > 80 ? [...out.slice(0, 20), "    …", ...out.slice(-58)] : out;
}

if (import.meta.main) {
  exec("spin", ["-V"], ".");
  exec("gcc", ["--version"], ".");
  const root = fileURLToPath(new URL("..", import.meta.url));
  const work = mkdtempSync(join(tmpdir(), "veritrain-spin-"));
  const started = performance.now();
  const results: CheckResult[] = [];
  try {
    for (const config of CONFIGS) {
      for (const check of config.checks) {
        const dir = join(work, `${config.name}-${check}`);
        mkdirSync(dir);
        copyFileSync(join(root, config.model), join(dir, basename(config.model)));
        const { output, seconds } = runCheck(dir, config, check);
        const result: CheckResult = { config: config.name, check, seconds, ...parsePan(output, check) };
        results.push(result);
        const bounds = Object.entries(config.defines).map(([k, v]) => `${k}=${v}`).join(" ");
        const verdict = result.errors > 0 ? `FAILED: ${result.errors} error(s)` : (result.problem ? `FAILED: ${result.problem}` : "ok");
        console.log(
          `${basename(config.model, ".pml")} ${config.name.padEnd(17)} ${check.padEnd(8)} ` +
            `states ${result.states.toLocaleString("en-US").padStart(11)}  errors ${result.errors}  ` +
            `${seconds.toFixed(1).padStart(5)} s  [${bounds}]  ${verdict}`,
        );
        if (result.errors > 0) {
          for (const line of output.split("\n").filter((l) => /^pan:\d*:? /.test(l) && !/elapsed|rate/.test(l))) console.log(`    ${line}`);
          console.log(`  counterexample (spin -t -p, ${check === "safety" ? "shortest" : "first found"}):`);
          for (const line of counterexample(dir, config, check)) console.log(line);
        }
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const failed = results.filter((r) => r.errors > 0 || r.problem);
  const states = results.reduce((sum, r) => sum + r.states, 0);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `spin: ${results.length} checks of ${CONFIGS.length} configurations, ${states.toLocaleString("en-US")} states, ` +
      `${failed.length === 0 ? "no errors" : `${failed.length} FAILED`}, ${seconds.toFixed(1)} s`,
  );
  if (failed.length > 0) process.exitCode = 1;
}

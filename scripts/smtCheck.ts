/**
 * solc's SMTChecker, CHC engine, on the contracts where money and stake move (docs/formal-checks.md). It runs
 * inside solc-js (the `solc` npm package, the compiler of hardhat.config.ts): no binary.
 * - Each check is one contract and one target kind: `assert` (a reachable failing assert), `underflow` and
 *   `overflow` (a reachable checked-arithmetic Panic, which solc ≥ 0.8 reports instead of a wrap; unchecked
 *   blocks are not targets), `divByZero`.
 * - A counterexample ("… happens here", with the transactions that reach it) fails the check. A target solc
 *   could not decide ("… might happen here") and every target of a check stopped at its budget are unproved:
 *   stated, not failed, except in a check that must prove (`proves`: ShareSplit's, below). Targets proved safe are
 *   counted.
 *
 * Bounds. solc-js 0.8.37 runs CHC only with `modelChecker.timeout: 0` (no solver timeout: a non-zero one throws
 * "thread constructor failed", solc-js issue #535), so the bound comes from outside: each check runs in its
 * own child process, killed once it has used its budget of CPU time, or WALL_FACTOR times that in wall-clock
 * time if the machine starves it. solc reports only when a whole compile ends, so a killed check decides nothing,
 * not even the targets it had already decided. The budget is CPU time, not wall-clock time, so that a check
 * decides the same targets however loaded the machine is (z3 is deterministic), and the whole run costs at
 * most the sum of the budgets, 70 s of one core (each 1.3 to 4.7 times what its check took):
 * - `assert`: 7 s each for StakeManager, JobRegistry, RoundJobRegistry, BisectionGame, ValidatorCommittee
 *   and StorageProofs (each ends in 1.5 to 5 s); Disputes' (no target either) no longer ends within a CI budget
 *   (118 s of CPU since session 47's lost-bond split, 25 s before) and is left out (docs/formal-checks.md);
 * - `divByZero`: 7 s for JobRegistry (it ends in 1.6 s);
 * - ShareSplit, the split of every slash and every lost bond, through test/formal/ShareSplitCheck.sol (a library
 *   alone has no targets): `assert`, `underflow` and `overflow`, 7 s each (each ends in 1.7 to 2.2 s), all proved.
 *
 *   node scripts/smtCheck.ts    one line per contract, then a summary; exits 1 on any counterexample (or a
 *                               compile error), printing solc's message and its counterexample
 */
import { fork } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

export type SmtTarget = "assert" | "underflow" | "overflow" | "divByZero";

/** The start of solc's message for each target kind, e.g. "CHC: Underflow (resulting value less than 0) happens here." */
const TARGET_MESSAGES: Record<SmtTarget, string> = {
  assert: "Assertion violation",
  underflow: "Underflow",
  overflow: "Overflow",
  divByZero: "Division by zero",
};

/** One contract checked, with each target kind's CPU budget in seconds. */
export type SmtContract = {
  file: string; // source unit name: the path from the repository root
  contract: string;
  budgets: Partial<Record<SmtTarget, number>>;
  /** Every target must be proved safe: an unproved one, or none at all, fails the run as a counterexample does. */
  proves?: boolean;
};

/**
 * The contracts where money and stake move, and their bounds (see the header). Only checks that end within
 * their budget are kept. None of these contracts asserts yet (ShareSplitCheck, a harness of the library, does): the `assert` checks are there for an assert added
 * later, which they refute or prove if CHC decides it within the budget (else it is reported unproved). No contract here ends an `underflow`, `overflow` or `divByZero` check
 * in 20 s of CPU (StakeManager's `divByZero`, one constant divisor, not in 140 s), except JobRegistry's
 * `divByZero`, which has no division yet. The figures, and the checks left out, are in docs/formal-checks.md.
 */
export const CHECKS: SmtContract[] = [
  { file: "contracts/staking/StakeManager.sol", contract: "StakeManager", budgets: { assert: 7 } },
  { file: "contracts/jobs/JobRegistry.sol", contract: "JobRegistry", budgets: { assert: 7, divByZero: 7 } },
  { file: "contracts/jobs/RoundJobRegistry.sol", contract: "RoundJobRegistry", budgets: { assert: 7 } },
  { file: "contracts/disputes/BisectionGame.sol", contract: "BisectionGame", budgets: { assert: 7 } },
  { file: "contracts/disputes/ValidatorCommittee.sol", contract: "ValidatorCommittee", budgets: { assert: 7 } },
  { file: "contracts/proofs/StorageProofs.sol", contract: "StorageProofs", budgets: { assert: 7 } },
  // ShareSplit, every slash's and every lost bond's split, called with every input its callers can pass.
  { file: "test/formal/ShareSplitCheck.sol", contract: "ShareSplitCheck", budgets: { assert: 7, underflow: 7, overflow: 7 }, proves: true },
];

/** A check stopped by the machine rather than by its CPU budget gets this many times the budget in wall-clock time. */
const WALL_FACTOR = 10;
const WORKER_ARG = "--smt-worker";
/** The signal the watchdog stops a check with: its default action ends the process, and nothing else sends it. */
const BUDGET_SIGNAL = "SIGUSR2";

/** One SMTChecker message about a target, with its place in the source. */
export type SmtFinding = {
  target: SmtTarget | "other";
  location: string; // file:line
  message: string; // solc's message, its counterexample included
};

export type SmtCheckParameters = {
  /** Source units by name; the entry file must be among them. Any other import is read by `readImport`. */
  sources: Record<string, string>;
  file: string;
  contract: string;
  target: SmtTarget;
  /** CPU seconds the check's process may use, solc-js's start included. */
  cpuSeconds: number;
  /** Where imports are read: `root/<path>`, then `root/node_modules/<path>`. @default the repository root */
  root?: string;
};

export type SmtCheckReturnType = {
  safe: number;
  unproved: SmtFinding[];
  counterexamples: SmtFinding[];
  /** Compile errors and anything else that makes the check fail besides a counterexample. */
  problems: string[];
  /** The budget stopped the check: none of its targets was decided. */
  budgetReached: boolean;
  seconds: number; // wall-clock
  /** CPU seconds of the check's process: its own count, or its budget if it was stopped. */
  cpuSeconds: number;
};

type WorkerJob = Omit<SmtCheckParameters, "cpuSeconds" | "root"> & { root: string };
type WorkerReply = { errors: SolcError[]; cpuSeconds: number };
type SolcError = {
  severity: string;
  type: string;
  errorCode?: string;
  message: string;
  formattedMessage?: string;
  sourceLocation?: { file: string; start: number };
};

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * Runs the CHC engine on one target kind of one contract, in a child process stopped at its CPU budget.
 *
 * @example
 * const { counterexamples } = await smtCheck({ sources: { "A.sol": src }, file: "A.sol", contract: "A", target: "assert", cpuSeconds: 20 });
 */
export async function smtCheck({ sources, file, contract, target, cpuSeconds, root = ROOT }: SmtCheckParameters): Promise<SmtCheckReturnType> {
  const started = performance.now();
  const env: NodeJS.ProcessEnv = { ...process.env, SMT_CPU_SECONDS: String(cpuSeconds) };
  // A test file's own runner context must not make the child report to node:test.
  delete env.NODE_TEST_CONTEXT;
  const child = fork(fileURLToPath(import.meta.url), [WORKER_ARG], { env, execArgv: [], stdio: ["ignore", "ignore", "pipe", "ipc"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  let starved = false;
  const wallCap = setTimeout(() => {
    starved = true;
    child.kill("SIGKILL");
  }, cpuSeconds * WALL_FACTOR * 1000);
  const job: WorkerJob = { sources, file, contract, target, root };
  child.send(job);
  const { reply, signal, code } = await new Promise<{ reply?: WorkerReply; signal: NodeJS.Signals | null; code: number | null }>((resolve) => {
    let reply: WorkerReply | undefined;
    child.on("message", (message) => (reply = message as WorkerReply));
    child.on("exit", (code, signal) => resolve({ reply, signal, code }));
  });
  clearTimeout(wallCap);
  const seconds = (performance.now() - started) / 1000;
  const result: SmtCheckReturnType = {
    safe: 0,
    unproved: [],
    counterexamples: [],
    problems: [],
    budgetReached: false,
    seconds,
    cpuSeconds: reply?.cpuSeconds ?? cpuSeconds,
  };
  if (reply === undefined) {
    // The watchdog's signal; anything else (the OOM killer's SIGKILL, a crash) is a failure.
    if (signal === BUDGET_SIGNAL || starved) result.budgetReached = true;
    else result.problems.push(`the check's process ended without a result (exit ${code ?? signal}): ${stderr.trim().slice(-2000)}`);
    return result;
  }
  const lineOf = (location?: SolcError["sourceLocation"]) => {
    if (!location) return "?";
    const text = sources[location.file] ?? readImport(root, location.file);
    return text === undefined ? location.file : `${location.file}:${text.slice(0, location.start).split("\n").length}`;
  };
  for (const error of reply.errors) {
    if (error.severity === "error") {
      result.problems.push(error.formattedMessage ?? error.message);
      continue;
    }
    const m = error.message.match(/^CHC: (.+?) (happens here|might happen here|check is safe!)/);
    if (!m?.[1]) {
      // "no Horn solver was found": the check did not run at all.
      if (/CHC analysis was not possible/.test(error.message)) result.problems.push(error.message);
      continue;
    }
    const kind = (Object.keys(TARGET_MESSAGES) as SmtTarget[]).find((t) => m[1]?.startsWith(TARGET_MESSAGES[t])) ?? "other";
    const finding: SmtFinding = { target: kind, location: lineOf(error.sourceLocation), message: error.message.trim() };
    if (m[2] === "check is safe!") result.safe++;
    else if (m[2] === "happens here") result.counterexamples.push(finding);
    else result.unproved.push(finding);
  }
  return result;
}

/** Reads an import the way Hardhat resolves it: a project path, else an npm package under node_modules. */
function readImport(root: string, path: string): string | undefined {
  for (const candidate of [join(root, path), join(root, "node_modules", path)]) {
    if (existsSync(candidate)) return readFileSync(candidate, "utf8");
  }
  return undefined;
}

/**
 * The child process: compiles one job with the model checker and sends solc's messages back. solc blocks
 * its thread, so a watchdog thread kills the process once it has used its CPU budget (process.cpuUsage
 * counts every thread), or once its parent is gone (it is re-parented).
 */
function serveWorker(): void {
  const cpuSeconds = Number(process.env.SMT_CPU_SECONDS);
  new Worker(
    `const limit = ${cpuSeconds * 1e6};
     const parent = process.ppid;
     setInterval(() => {
       const { user, system } = process.cpuUsage();
       if (user + system > limit || process.ppid !== parent) process.kill(process.pid, "${BUDGET_SIGNAL}");
     }, 100);`,
    { eval: true },
  ).unref();
  process.once("message", (message) => {
    const { sources, file, contract, target, root } = message as WorkerJob;
    const input = {
      language: "Solidity",
      sources: Object.fromEntries(Object.entries(sources).map(([name, content]) => [name, { content }])),
      settings: {
        // hardhat.config.ts's optimizer and default EVM version; no viaIR. The model checker analyses the
        // source, so neither changes what it proves; no output is selected, so nothing is code-generated.
        optimizer: { enabled: true, runs: 200 },
        evmVersion: "cancun",
        outputSelection: {},
        modelChecker: {
          engine: "chc",
          contracts: { [file]: [contract] },
          targets: [target],
          timeout: 0,
          showUnproved: true,
          showProvedSafe: true,
        },
      },
    };
    const solc = createRequire(import.meta.url)("solc");
    const output = JSON.parse(
      solc.compile(JSON.stringify(input), {
        import: (path: string) => {
          const contents = readImport(root, path);
          return contents === undefined ? { error: `${path} not found under ${root} or its node_modules` } : { contents };
        },
      }),
    ) as { errors?: SolcError[] };
    const cpu = process.cpuUsage();
    const reply: WorkerReply = { errors: output.errors ?? [], cpuSeconds: (cpu.user + cpu.system) / 1e6 };
    process.send?.(reply, () => process.exit(0));
  });
}

if (import.meta.main && process.argv[2] === WORKER_ARG) serveWorker();
else if (import.meta.main) {
  const started = performance.now();
  const rows: { contract: string; target: SmtTarget; result: SmtCheckReturnType }[] = [];
  const unprovedWhereDue: string[] = [];
  for (const { file, contract, budgets, proves = false } of CHECKS) {
    const sources = { [file]: readFileSync(join(ROOT, file), "utf8") };
    const targets = Object.keys(budgets) as SmtTarget[];
    const mine: SmtCheckReturnType[] = [];
    for (const target of targets) {
      const result = await smtCheck({ sources, file, contract, target, cpuSeconds: budgets[target] ?? 0 });
      rows.push({ contract, target, result });
      mine.push(result);
    }
    const sum = (f: (r: SmtCheckReturnType) => number) => mine.reduce((total, r) => total + f(r), 0);
    const counterexamples = sum((r) => r.counterexamples.length);
    const stopped = targets.filter((_, i) => mine[i]?.budgetReached).map((t) => `${t} ${budgets[t]} s`);
    const undecided = proves ? targets.filter((_, i) => mine[i]!.safe === 0 || mine[i]!.unproved.length > 0 || mine[i]!.budgetReached) : [];
    if (undecided.length > 0) unprovedWhereDue.push(`${contract} ${undecided.join(", ")}: not proved safe, and this check must prove it`);
    const verdict = counterexamples > 0 || sum((r) => r.problems.length) > 0 || undecided.length > 0 ? "FAILED" : "ok";
    console.log(
      `${contract.padEnd(18)} targets ${targets.join(",").padEnd(16)} safe ${String(sum((r) => r.safe)).padStart(3)}  ` +
        `unproved ${String(sum((r) => r.unproved.length)).padStart(3)}  counterexamples ${counterexamples}  ` +
        `${sum((r) => r.seconds).toFixed(1).padStart(5)} s  ${sum((r) => r.cpuSeconds).toFixed(1).padStart(5)} s CPU` +
        `${stopped.length > 0 ? `  budget reached: ${stopped.join(", ")} of CPU` : ""}  ${verdict}`,
    );
  }
  const failed = rows.filter(({ result }) => result.counterexamples.length > 0 || result.problems.length > 0);
  const indent = (text: string, by: string) => text.replace(/\n(?=.)/g, `\n${by}`);
  for (const { contract, target, result } of failed) {
    console.log(`${contract} ${target}:`);
    for (const problem of result.problems) console.log(`  ${indent(problem, "  ")}`);
    for (const { location, message } of result.counterexamples) console.log(`  ${location}: ${indent(message, "    ")}`);
  }
  for (const line of unprovedWhereDue) console.log(line);
  const total = (f: (r: SmtCheckReturnType) => number) => rows.reduce((sum, { result }) => sum + f(result), 0);
  const counterexamples = total((r) => r.counterexamples.length);
  console.log(
    `SMTChecker (CHC): ${rows.length} checks of ${CHECKS.length} contracts, ${total((r) => r.safe)} safe, ` +
      `${total((r) => r.unproved.length)} unproved, ${total((r) => (r.budgetReached ? 1 : 0))} stopped at their budget, ` +
      `${failed.length === 0 ? "no counterexample" : `${counterexamples} counterexample(s)`}${failed.length + unprovedWhereDue.length > 0 ? ", FAILED" : ""}, ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s, ${total((r) => r.cpuSeconds).toFixed(1)} s CPU`,
  );
  if (failed.length > 0 || unprovedWhereDue.length > 0) process.exitCode = 1;
}

/**
 * Benchmark of the dispute game (issue 21, docs/dispute-game.md).
 * - The Solidity soft-float (contracts/libraries/SoftFloat.sol) against the JavaScript training engine, on
 *   seeded cases of test/harness/softFloatCases.ts (a million by default, split evenly over the
 *   operations), each checked bit for bit through test/contracts/utils/SoftFloatHarness.sol on the
 *   in-process Hardhat network; and the gas of each operation inside the library (median and worst over
 *   1,000 cases).
 * - The gas of BisectionGame's moves in a game of LeNet-5's depth: a segment of `--segment-steps` steps,
 *   `--operators` operators per step and up to 2^`--instruction-bits` instructions per operator, played
 *   to its last instruction. The machine is the stand-in test/contracts/utils/HashChainMachine.sol (the
 *   training VM is not built yet), so the moves are measured and the one-step is not: `one_step_gas`
 *   and `game_gas_total` are null, `game_moves_gas` sums every move but the step.
 *
 * Prints tables, then as the last stdout line one JSON object; progress goes to stderr.
 *
 *   npm run bench:dispute
 *   npm run bench:dispute -- --cases 100000 --seed 7
 */
import cliProgress from "cli-progress";
import { Command } from "commander";
import { getContract, keccak256, parseAbi, parseEther, toHex, type Address, type Hash } from "viem";
import { viem } from "../test/contracts/fixture.ts";
import { SOFT_FLOAT_OPS, softFloatCases, type SoftFloatOp } from "../test/harness/softFloatCases.ts";
import { buildContracts } from "./gas.ts";

const options = new Command("bench:dispute")
  .description("Soft-float agreement with the training engine and gas per operation; last line is JSON.")
  .option("--cases <n>", "cases in all, split evenly over the operations", "1000000")
  .option("--seed <n>", "seed of the case streams", "1")
  .option("--segment-steps <n>", "steps of the disputed segment (a checkpoint interval)", "50")
  .option("--operators <n>", "operators per training step", "64")
  .option("--instruction-bits <n>", "log2 of the instructions of the disputed operator", "24")
  .parse()
  .opts<{ cases: string; seed: string; segmentSteps: string; operators: string; instructionBits: string }>();

const HARNESS_ABI = parseAbi([
  "function run(uint8 op, uint64[] a, uint64[] b) pure returns (uint64[])",
  "function gasUsed(uint8 op, uint64[] a, uint64[] b) view returns (uint256[])",
]);
/** Cases whose gas is measured per operation (the edge values first, then seeded ones). */
const GAS_SAMPLE = 1000;
/** Disagreements printed to stderr (all are counted). */
const SHOWN_DISAGREEMENTS = 20;

const seed = BigInt(options.seed);
const perOp = Math.ceil(Number(options.cases) / SOFT_FLOAT_OPS.length);
const total = perOp * SOFT_FLOAT_OPS.length;
const hex = (word: bigint) => `0x${word.toString(16).padStart(16, "0")}`;

process.stderr.write("compiling the contracts (a no-op when up to date)\n");
buildContracts();
const { address }: { address: Address } = await viem.deployContract("SoftFloatHarness");
const harness = getContract({ address, abi: HARNESS_ABI, client: { public: await viem.getPublicClient() } });

const progress = new cliProgress.SingleBar(
  {
    stream: process.stderr,
    format: "softfloat [{bar}] {value}/{total} cases | {op} | {rate} cases/s",
    noTTYOutput: true,
    notTTYSchedule: 10_000,
  },
  cliProgress.Presets.shades_classic,
);
const started = performance.now();
let agreed = 0;
let checked = 0;
let shown = 0;
const secondsByOp: Partial<Record<SoftFloatOp, number>> = {};
progress.start(total, 0, { op: SOFT_FLOAT_OPS[0], rate: 0 });
for (const op of SOFT_FLOAT_OPS) {
  const opStarted = performance.now();
  for (const { code, a, b, expected } of softFloatCases({ seed, op, count: perOp })) {
    const results = await harness.read.run([code, a, b]);
    for (const [i, result] of results.entries()) {
      if (result === expected[i]) {
        agreed++;
      } else if (shown++ < SHOWN_DISAGREEMENTS) {
        progress.stop();
        process.stderr.write(`DISAGREEMENT ${op}(${hex(a[i]!)}${b.length > 0 ? `, ${hex(b[i]!)}` : ""}) = ${hex(result)}, JavaScript ${hex(expected[i]!)}\n`);
      }
    }
    checked += a.length;
    progress.update(checked, { op, rate: Math.round(checked / ((performance.now() - started) / 1000)) });
  }
  secondsByOp[op] = (performance.now() - opStarted) / 1000;
}
progress.stop();
const seconds = (performance.now() - started) / 1000;

const gas: Partial<Record<SoftFloatOp, number>> = {};
console.log(`${agreed.toLocaleString("en")} of ${total.toLocaleString("en")} cases agree bit for bit (seed ${seed}, ${seconds.toFixed(1)} s)`);
console.log("op       | cases  | seconds | median gas | max gas");
for (const op of SOFT_FLOAT_OPS) {
  const used: number[] = [];
  for (const { code, a, b } of softFloatCases({ seed: seed + 1n, op, count: GAS_SAMPLE })) {
    used.push(...(await harness.read.gasUsed([code, a, b])).map(Number));
  }
  used.sort((x, y) => x - y);
  gas[op] = used[used.length - 1]!;
  console.log(
    [op.padEnd(8), String(perOp).padStart(6), secondsByOp[op]!.toFixed(1).padStart(7), String(used[used.length >> 1]).padStart(10), String(gas[op]).padStart(7)].join(" | "),
  );
}
if (agreed !== total) process.exitCode = 1;

const game = await measureGameMoves({
  segmentSteps: BigInt(options.segmentSteps),
  operators: BigInt(options.operators),
  instructions: 1n << BigInt(options.instructionBits),
});
console.log(`a game over ${options.segmentSteps} steps, ${options.operators} operators, 2^${options.instructionBits} instructions: ${game.moves} moves`);
console.log("move     | count | max gas | total gas");
for (const [move, { count, max, total }] of Object.entries(game.byMove)) {
  console.log([move.padEnd(8), String(count).padStart(5), String(max).padStart(7), String(total).padStart(9)].join(" | "));
}
console.log(
  JSON.stringify({
    softfloat_cases_agreed: agreed,
    softfloat_cases_total: total,
    softfloat_seconds: Number(seconds.toFixed(1)),
    softfloat_gas: gas,
    game_moves: game.moves,
    game_moves_gas: game.movesGas,
    max_move_gas: game.maxMoveGas,
    game_gas_total: null,
    one_step_gas: null,
  }),
);

/**
 * Plays one BisectionGame over the stand-in machine to its last instruction, the provider posting
 * arbitrary midpoints and the challenger choosing by a seeded coin (gas does not depend on truth), and
 * returns the gas of each move (its transaction's gasUsed) by kind.
 */
async function measureGameMoves({ segmentSteps, operators, instructions }: { segmentSteps: bigint; operators: bigint; instructions: bigint }) {
  const [deployer, provider, challenger] = await viem.getWalletClients();
  const publicClient = await viem.getPublicClient();
  const token = await viem.deployContract("VeritrainToken", [deployer!.account.address, parseEther("1000000000")]);
  // Operator o has o + base instructions: the disputed operator (chosen by the coin) has about `instructions`.
  const machine = await viem.deployContract("HashChainMachine", [operators, instructions]);
  // Hardhat types only contracts/ sources: the test double gets its ABI here.
  const referee = getContract({
    address: (await viem.deployContract("GameRefereeDouble")).address,
    abi: parseAbi([
      "function setGame(address game)",
      "function open(address provider, address challenger, bytes32 program, uint64 firstStep, uint64 steps, bytes32 hashLo, bytes32 hashHi) returns (uint256)",
    ]),
    client: { public: publicClient, wallet: deployer! },
  });
  const bisection = await viem.deployContract("BisectionGame", [token.address, machine.address, referee.address, parseEther("1"), 86_400n]);
  await referee.write.setGame([bisection.address]);
  for (const side of [provider!, challenger!]) {
    await token.write.transfer([side.account.address, parseEther("100000")]);
    await token.write.approve([bisection.address, parseEther("100000")], { account: side.account });
  }
  await referee.write.open([provider!.account.address, challenger!.account.address, keccak256(toHex("program")), 0n, segmentSteps, keccak256(toHex("lo")), keccak256(toHex("hi"))]);
  const gameId = await bisection.read.gameCount();
  const byMove: Record<string, { count: number; max: number; total: number }> = {};
  const gasOf = async (move: string, hash: Hash) => {
    const { gasUsed, status } = await publicClient.waitForTransactionReceipt({ hash });
    if (status !== "success") throw new Error(`${move} reverted`);
    const entry = (byMove[move] ??= { count: 0, max: 0, total: 0 });
    entry.count++;
    entry.max = Math.max(entry.max, Number(gasUsed));
    entry.total += Number(gasUsed);
  };
  const PHASE = { AwaitingMidpoint: 1, AwaitingChoice: 2, AwaitingDescent: 3, AwaitingStep: 4 } as const;
  for (let move = 0; ; move++) {
    const g = await bisection.read.getGame([gameId]);
    const coin = BigInt(keccak256(toHex(`coin ${move}`)));
    if (g.phase === PHASE.AwaitingMidpoint) {
      await gasOf("bisect", await bisection.write.bisect([gameId, keccak256(toHex(`mid ${move}`))], { account: provider!.account }));
    } else if (g.phase === PHASE.AwaitingChoice) {
      await gasOf("choose", await bisection.write.choose([gameId, coin % 2n === 0n], { account: challenger!.account }));
    } else if (g.phase === PHASE.AwaitingDescent) {
      const count = g.level === 0 ? operators : g.lo + instructions;
      await gasOf("descend", await bisection.write.descend([gameId, encodeCount(count)], { account: provider!.account }));
    } else if (g.phase === PHASE.AwaitingStep) {
      await gasOf("step", await bisection.write.step([gameId, "0x"], { account: challenger!.account }));
    } else {
      break;
    }
  }
  const { step: _, ...moves } = byMove;
  const counted = Object.values(moves);
  return {
    byMove,
    moves: Object.values(byMove).reduce((sum, { count }) => sum + count, 0),
    movesGas: counted.reduce((sum, { total }) => sum + total, 0),
    maxMoveGas: Math.max(...counted.map(({ max }) => max)),
  };
}

function encodeCount(count: bigint) {
  return toHex(count, { size: 32 });
}

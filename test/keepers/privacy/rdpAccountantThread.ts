// Runs the accountant's golden cases in a worker thread and posts back the binary64 bits of every
// result, for the determinism test of rdpAccountant.test.ts.
import { parentPort } from "node:worker_threads";
import { goldenCaseResults } from "./rdpGoldenCases.ts";

parentPort!.postMessage(goldenCaseResults());

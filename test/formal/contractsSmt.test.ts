import { it } from "node:test";
import { runFormalCheck } from "./formalChecks.ts";

it("solc's SMTChecker finds no counterexample in the contracts where money and stake move (scripts/smtCheck.ts)", { timeout: 600_000 }, (t) => runFormalCheck(t, "scripts/smtCheck.ts"));

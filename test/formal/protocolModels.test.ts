import { it } from "node:test";
import { runFormalCheck } from "./formalChecks.ts";

it("spin searches every configuration of the job and dispute model whole and finds no error (scripts/checkModels.ts)", { timeout: 600_000 }, (t) => runFormalCheck(t, "scripts/checkModels.ts"));

#!/usr/bin/env node
/**
 * veritrain: the keeper CLI. `veritrain --help` lists the commands; every command has --help.
 * Configuration: flags, then VERITRAIN_* environment variables, then --config <file>, then the
 * local devnet's defaults (keepers/src/config/keeperConfig.ts). A failure prints one line
 * (`error [CODE]: …`) and exits 1; `--verbose` adds the stack and the keepers' JSON logs.
 */
import { createProgram } from "./cli/program.ts";
import { describeFailure } from "./cli/reportFailure.ts";

const program = createProgram();
try {
  await program.parseAsync();
} catch (error) {
  process.stderr.write(describeFailure(error, { verbose: program.opts<{ verbose?: boolean }>().verbose === true }));
  process.exitCode = 1;
}

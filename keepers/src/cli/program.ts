import { readFileSync } from "node:fs";
import { Command, Help, type Option } from "commander";
import { registerAuditCommands } from "../audit/auditCommands.ts";
import { registerIndexerCommand } from "../indexer/indexerCommand.ts";
import { registerAccountCommand } from "./accountCommand.ts";
import { registerDatasetCommands } from "./datasetCommands.ts";
import { registerDevnetCommands } from "./devnetCommands.ts";
import { registerJobCommands } from "./jobCommands.ts";
import { registerProofCommands } from "./proofCommands.ts";
import { registerRoleCommands } from "./roleCommands.ts";

const { version } = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };

/**
 * The `veritrain` command tree: global options (config, chain, output), every command
 * registered, and help that lists the global options under each command and marks required options.
 *
 * @example
 * await createProgram().parseAsync();
 */
export function createProgram(): Command {
  const program = new Command("veritrain")
    .description("Keepers and client commands of veritrain: verifiable ML on an Ethereum zkEVM L2.")
    .version(version)
    .option("--config <file>", "JSON config file (rpcUrl, deployment, dataDir, confirmations, deploymentBlock)")
    .option("--rpc-url <url>", "JSON-RPC URL of the chain [env VERITRAIN_RPC_URL; default the devnet's]")
    .option("--deployment <file>", "Ignition deployed_addresses.json [env VERITRAIN_DEPLOYMENT]")
    .option("--data-dir <dir>", "where this keeper keeps its IPFS blocks and cursors [env VERITRAIN_DATA_DIR]")
    .option("--confirmations <n>", "blocks a transaction or an event must have, its own included, before a keeper acts on it [env VERITRAIN_CONFIRMATIONS; default 1]")
    .option("--deployment-block <n>", "the deployment's first block, where keepers start reading events [env VERITRAIN_DEPLOYMENT_BLOCK; default the first block of Ignition's journal.jsonl beside --deployment, else 0]")
    .option("--json", "print results as one JSON line (token amounts in wei) instead of readable lines")
    .option("--verbose", "log every step (JSON lines on stderr) and print a failure's stack")
    .addHelpText("after", "\nThe signing key is read from VERITRAIN_PRIVATE_KEY only; each command's --help says whether it needs one.")
    // Every subcommand's --help also lists these options, and marks its required ones.
    .configureHelp({
      showGlobalOptions: true,
      optionDescription: (option: Option) => {
        const description = new Help().optionDescription(option);
        return option.mandatory ? `${description} (required)` : description;
      },
    });

  registerDatasetCommands(program);
  registerJobCommands(program);
  registerRoleCommands(program);
  registerProofCommands(program);
  registerIndexerCommand(program);
  registerAuditCommands(program);
  registerAccountCommand(program);
  registerDevnetCommands(program);
  return program;
}

import type { Command } from "commander";
import { getAddress, isAddress } from "viem";
import { connectProtocol } from "../chain/protocolContracts.ts";
import { devAccountKey, fundDevAccounts } from "../devnet/devAccounts.ts";
import { VeritrainError } from "../errors.ts";
import { parseTokens, setUpCommand } from "./commandContext.ts";
import { printOutput } from "./printOutput.ts";
import { tokenFormatter } from "../chain/tokenFormatter.ts";

/** Chain id of a Hardhat node, the only chain whose balances `devnet fund` may set. */
const HARDHAT_CHAIN_ID = 31337;

/**
 * Registers `devnet fund <address>`: gas money and test tokens for any account on a local devnet.
 *
 * @example
 * registerDevnetCommands(program);
 */
export function registerDevnetCommands(program: Command): void {
  const devnet = program.command("devnet").description("helpers for a local devnet (npm run devnet -- --keep-running)");
  devnet
    .command("fund <address>")
    .description("local devnet only: set the account's ether balance and send it test tokens from the devnet's deployer, who holds the supply")
    .option("--tokens <tokens>", "tokens to send", "1000")
    .option("--ether <ether>", "ether balance to set (hardhat_setBalance)", "100")
    .addHelpText("after", "\nKey: none needed: the devnet deployer (Hardhat development account 0, whose key is public) sends; VERITRAIN_PRIVATE_KEY is not used.")
    .action(async (address: string, o, command: Command) => {
      if (!isAddress(address)) throw new VeritrainError(`address must be a 0x-prefixed 20-byte address, got ${JSON.stringify(address)}`, { code: "CLI_ARGUMENT_INVALID", details: { argument: "address" } });
      const tokens = parseTokens(o.tokens, "--tokens");
      const ether = parseTokens(o.ether, "--ether");
      const { config, runtime, chain } = await setUpCommand(command, "devnet-fund");
      try {
        const chainId = await chain.publicClient.getChainId();
        if (chainId !== HARDHAT_CHAIN_ID) {
          throw new VeritrainError(`chain ${chainId} at ${config.rpcUrl} is not a local devnet (chain ${HARDHAT_CHAIN_ID}): fund accounts there by a token transfer`, { code: "NOT_A_DEVNET", details: { chainId } });
        }
        const deployer = await connectProtocol({ ...config, privateKey: devAccountKey(0) });
        const account = getAddress(address);
        await fundDevAccounts({ deployer, accounts: [account], tokens, ether });
        const format = await tokenFormatter(chain);
        const balance = await chain.contracts.VeritrainToken.read.balanceOf([account]);
        printOutput(command, { account, sent: tokens, balance, ether }, [`${account} received ${format(tokens)} (balance ${format(balance)}) and holds ${o.ether} ETH`]);
      } finally {
        await runtime.close();
      }
    });
}

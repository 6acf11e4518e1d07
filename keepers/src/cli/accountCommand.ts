import type { Command } from "commander";
import { formatEther } from "viem";
import { tokenFormatter } from "../chain/tokenFormatter.ts";
import { declareKeyUse, setUpCommand } from "./commandContext.ts";
import { printOutput, table } from "./printOutput.ts";

/**
 * Registers `account`: the address of VERITRAIN_PRIVATE_KEY with its ether, tokens and stake.
 *
 * @example
 * registerAccountCommand(program);
 */
export function registerAccountCommand(program: Command): void {
  declareKeyUse(program.command("account"), "signs")
    .description("print the address of VERITRAIN_PRIVATE_KEY and what it holds: ether, tokens, stake available, locked and unbonding (sends nothing)")
    .action(async (_o, command: Command) => {
      const { runtime, chain } = await setUpCommand(command, "account");
      try {
        const address = chain.account.address;
        const [ether, balance, stake, tokens] = await Promise.all([
          chain.publicClient.getBalance({ address }),
          chain.contracts.VeritrainToken.read.balanceOf([address]),
          chain.contracts.StakeManager.read.stakeOf([address]),
          tokenFormatter(chain),
        ]);
        printOutput(command, { address, ether, balance, stake }, table([
          ["address", address],
          ["ether", `${formatEther(ether)} ETH`],
          ["tokens", tokens(balance)],
          ["stake", `${tokens(stake.available)} available, ${tokens(stake.locked)} locked, ${tokens(stake.unbonding)} unbonding`],
        ]));
      } finally {
        await runtime.close();
      }
    });
}

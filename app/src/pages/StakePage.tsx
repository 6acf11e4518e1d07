import { useState } from "react";
import type { Address } from "viem";
import { useAccount, useBalance, useBlock, useReadContract, useReadContracts } from "wagmi";
import { useProtocol } from "../chain/useProtocol.ts";
import { useTransaction } from "../chain/useTransaction.ts";
import { duration, Tokens } from "../ui/format.tsx";
import { Field } from "../ui/Field.tsx";
import { parseAmount } from "../ui/parseAmount.ts";
import { TransactionStatus } from "../ui/TransactionStatus.tsx";

/**
 * The connected account's token and stake: balances (wallet, available, locked by role,
 * unbonding with the time left), staking, unbonding and withdrawing, and joining or leaving the
 * storage-provider and validator sets.
 */
export default function StakePage() {
  const { address } = useAccount();
  if (address === undefined) return <section><h1>Stake</h1><p>Connect a wallet to see and manage your stake.</p></section>;
  return <StakeForms address={address} />;
}

function StakeForms({ address }: { address: Address }) {
  const { VeritrainToken, StakeManager, DatasetRegistry, ValidatorCommittee } = useProtocol();
  const tx = useTransaction();
  const [stakeText, setStakeText] = useState("");
  const [unbondText, setUnbondText] = useState("");
  const [endpoint, setEndpoint] = useState("");
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const eth = useBalance({ address });
  const { data: block } = useBlock({ watch: true });
  const reads = useReadContracts({
    contracts: [
      { ...VeritrainToken, functionName: "balanceOf", args: [address] },
      { ...VeritrainToken, functionName: "allowance", args: [address, StakeManager.address] },
      { ...StakeManager, functionName: "stakeOf", args: [address] },
      { ...DatasetRegistry, functionName: "lockedStakeOf", args: [address] },
      { ...DatasetRegistry, functionName: "endpointOf", args: [address] },
      { ...ValidatorCommittee, functionName: "validatorOf", args: [address] },
      { ...ValidatorCommittee, functionName: "config" },
      { ...ValidatorCommittee, functionName: "exitDelay" },
    ],
    allowFailure: false,
  });
  const symbol = useReadContract({ ...VeritrainToken, functionName: "symbol" }).data ?? "VTT";
  if (reads.error) return <p role="alert" className="error">Could not read your stake: {reads.error.message.split("\n")[0]}</p>;
  if (reads.data === undefined) return <p className="loading" aria-busy="true">Loading…</p>;
  const [balance, allowance, stake, storageLocked, storageEndpoint, validator, committee, exitDelay] = reads.data;
  const now = block?.timestamp ?? BigInt(Math.floor(Date.now() / 1000));
  const validatorLocked = validator.joinedAt > 0 ? committee.validatorStake : 0n;
  const computeLocked = stake.locked - storageLocked - validatorLocked;
  const unbondLeft = Number(BigInt(stake.unbondingReadyAt) - now);
  const stakeAmount = parseAmount(stakeText, balance);
  const unbondAmount = parseAmount(unbondText, stake.available);
  const show = (form: string, error: string | undefined) => (touched[form] ? error : undefined);

  const stakeTokens = async () => {
    setTouched((t) => ({ ...t, stake: true }));
    if (stakeAmount.value === undefined) return;
    // The stake contract pulls the tokens: approve exactly the amount first when the allowance is short.
    if (allowance < stakeAmount.value && !(await tx.send(`Approve ${stakeText} ${symbol}`, { ...VeritrainToken, functionName: "approve", args: [StakeManager.address, stakeAmount.value] }))) return;
    if (await tx.send(`Stake ${stakeText} ${symbol}`, { ...StakeManager, functionName: "stake", args: [stakeAmount.value] })) setStakeText("");
  };

  return (
    <section>
      <h1>Stake</h1>
      <h2>Balances</h2>
      <table className="facts">
        <tbody>
          <tr><th scope="row">Wallet</th><td data-testid="token-balance"><Tokens value={balance} symbol={symbol} /> and {eth.data ? `${Number(eth.data.value / 10n ** 14n) / 1e4} ETH` : "–"}</td></tr>
          <tr><th scope="row">Available stake</th><td data-testid="stake-available"><Tokens value={stake.available} symbol={symbol} /></td></tr>
          <tr><th scope="row">Locked: compute jobs</th><td><Tokens value={computeLocked} symbol={symbol} /></td></tr>
          <tr><th scope="row">Locked: storage provider</th><td><Tokens value={storageLocked} symbol={symbol} /></td></tr>
          <tr><th scope="row">Locked: validator</th><td><Tokens value={validatorLocked} symbol={symbol} /></td></tr>
          <tr>
            <th scope="row">Unbonding</th>
            <td data-testid="stake-unbonding">
              <Tokens value={stake.unbonding} symbol={symbol} />
              {stake.unbonding > 0n && (unbondLeft > 0 ? ` — withdrawable in ${duration(unbondLeft)}` : " — withdrawable now")}
            </td>
          </tr>
        </tbody>
      </table>

      <form className="card" onSubmit={(e) => { e.preventDefault(); void stakeTokens(); }}>
        <h2>Stake tokens</h2>
        <p>Stake is what compute providers lock when they win a job, storage providers when they join, validators when they join; it is slashed when they are proven wrong.</p>
        <Field label={`Amount to stake (${symbol})`} inputMode="decimal" value={stakeText} onChange={(e) => setStakeText(e.target.value)} error={show("stake", stakeAmount.error)} />
        <button type="submit" disabled={tx.busy}>Stake</button>
      </form>

      <form className="card" onSubmit={(e) => { e.preventDefault(); setTouched((t) => ({ ...t, unbond: true })); if (unbondAmount.value !== undefined) void tx.send(`Unbond ${unbondText} ${symbol}`, { ...StakeManager, functionName: "startUnbonding", args: [unbondAmount.value] }).then((r) => r && setUnbondText("")); }}>
        <h2>Unbond</h2>
        <p>Unbonding stake can be withdrawn after the unbonding delay; unbonding again restarts the delay for the whole unbonding amount.</p>
        <Field label={`Amount to unbond (${symbol})`} inputMode="decimal" value={unbondText} onChange={(e) => setUnbondText(e.target.value)} error={show("unbond", unbondAmount.error)} />
        <button type="submit" disabled={tx.busy}>Start unbonding</button>
        <button type="button" disabled={tx.busy || stake.unbonding === 0n || unbondLeft > 0} onClick={() => void tx.send("Withdraw", { ...StakeManager, functionName: "withdraw" })}>
          Withdraw{stake.unbonding > 0n && unbondLeft > 0 ? ` (in ${duration(unbondLeft)})` : ""}
        </button>
      </form>

      <div className="card">
        <h2>Storage provider</h2>
        {storageEndpoint ? (
          <>
            <p>You are a storage provider at <code>{storageEndpoint}</code>.</p>
            <button type="button" disabled={tx.busy} onClick={() => void tx.send("Leave the storage providers", { ...DatasetRegistry, functionName: "exit" })}>Leave the storage providers</button>
          </>
        ) : (
          <form onSubmit={(e) => { e.preventDefault(); setTouched((t) => ({ ...t, join: true })); if (/^\/.+\/p2p\/\w+$/.test(endpoint)) void tx.send("Join the storage providers", { ...DatasetRegistry, functionName: "join", args: [endpoint] }); }}>
            <Field label="Your storage keeper's endpoint" hint="The libp2p multiaddr your `veritrain storage` keeper prints, ending in /p2p/<peer id>." value={endpoint} onChange={(e) => setEndpoint(e.target.value)} error={show("join", /^\/.+\/p2p\/\w+$/.test(endpoint) ? undefined : "Enter a multiaddr ending in /p2p/<peer id>, e.g. /ip4/1.2.3.4/tcp/4001/p2p/12D3Koo…")} />
            <button type="submit" disabled={tx.busy}>Join the storage providers</button>
          </form>
        )}
      </div>

      <div className="card">
        <h2>Validator</h2>
        <p>Validators are drawn into dispute committees and lock <Tokens value={committee.validatorStake} symbol={symbol} /> from joining until released, {duration(Number(exitDelay))} after leaving.</p>
        {validator.joinedAt === 0 ? (
          <button type="button" disabled={tx.busy} onClick={() => void tx.send("Join the validators", { ...ValidatorCommittee, functionName: "join" })}>Join the validators</button>
        ) : validator.leftAt === 0 ? (
          <button type="button" disabled={tx.busy} onClick={() => void tx.send("Leave the validators", { ...ValidatorCommittee, functionName: "exit" })}>Leave the validators</button>
        ) : (
          <button type="button" disabled={tx.busy || now < BigInt(validator.leftAt) + BigInt(exitDelay)} onClick={() => void tx.send("Release validator stake", { ...ValidatorCommittee, functionName: "release", args: [address] })}>
            Release my validator stake{now < BigInt(validator.leftAt) + BigInt(exitDelay) ? ` (in ${duration(Number(BigInt(validator.leftAt) + BigInt(exitDelay) - now))})` : ""}
          </button>
        )}
      </div>
      <TransactionStatus state={tx.state} />
    </section>
  );
}

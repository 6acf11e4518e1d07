import { useState } from "react";
import { useAccount, useReadContracts } from "wagmi";
import { useProtocol } from "../chain/useProtocol.ts";
import { useTransaction } from "../chain/useTransaction.ts";
import { Field } from "../ui/Field.tsx";
import { Tokens } from "../ui/format.tsx";
import { TransactionStatus } from "../ui/TransactionStatus.tsx";
import { parseChallenge, type ChallengeForm as Form } from "./parseChallenge.ts";

/**
 * Disputes a submitted result inside its challenge window (`open`): the checkpoint and the hash
 * the challenger's re-execution (`veritrain job verify`) found; approves exactly the bond (read
 * on-chain) when the allowance is short, then calls `Disputes.challenge`. Once the window is
 * closed (or the job disputed) only the last transaction's status stays.
 *
 * @example
 * <ChallengeForm jobId={3n} checkpointCount={5} open={status === "Submitted" && deadline > now} />
 */
export function ChallengeForm({ jobId, checkpointCount, open }: { jobId: bigint; checkpointCount: number | undefined; open: boolean }) {
  const { address } = useAccount();
  const { Disputes, VeritrainToken } = useProtocol();
  const tx = useTransaction();
  const [form, setForm] = useState<Form>({ checkpointIndex: "", claimedHash: "" });
  const [touched, setTouched] = useState(false);
  const [fundsError, setFundsError] = useState<string | undefined>();
  const reads = useReadContracts({
    contracts: [
      { ...Disputes, functionName: "challengeBond" },
      { ...VeritrainToken, functionName: "balanceOf", args: [address ?? "0x0000000000000000000000000000000000000000"] },
      { ...VeritrainToken, functionName: "allowance", args: [address ?? "0x0000000000000000000000000000000000000000", Disputes.address] },
      { ...Disputes, functionName: "accusedShareBps" },
    ],
    allowFailure: false,
  });
  const parsed = parseChallenge(form, checkpointCount);
  const bond = reads.data?.[0];
  const accusedShare = reads.data === undefined ? "a share" : `${reads.data[3] / 100}%`;

  const challenge = async () => {
    setTouched(true);
    setFundsError(undefined);
    if (parsed.value === undefined || reads.data === undefined || bond === undefined) return;
    const [, balance, allowance] = reads.data;
    if (balance < bond) return setFundsError("Your token balance is below the bond: get tokens first.");
    const { checkpointIndex, claimedHash } = parsed.value;
    if (allowance < bond && !(await tx.send("Approve the bond", { ...VeritrainToken, functionName: "approve", args: [Disputes.address, bond] }))) return;
    await tx.send(`Challenge checkpoint ${checkpointIndex}`, { ...Disputes, functionName: "challenge", args: [jobId, checkpointIndex, claimedHash] });
  };

  if (!open) return tx.state.status === "idle" ? null : <TransactionStatus state={tx.state} />;
  return (
    <form className="card" data-testid="challenge-form" onSubmit={(e) => { e.preventDefault(); void challenge(); }}>
      <h3>Challenge this result</h3>
      <p>
        Re-execute the job (<code>veritrain job verify {jobId.toString()}</code>) and, if a checkpoint differs, name it here with the hash you computed.
        The bond is <Tokens value={bond} />: a validator committee is drawn; if the provider was wrong you get your bond back and a share of its slashed stake, otherwise you lose it: {accusedShare} to the provider, the rest to the treasury.
      </p>
      <Field label="Checkpoint index" inputMode="numeric" value={form.checkpointIndex} onChange={(e) => setForm({ ...form, checkpointIndex: e.target.value })} error={touched ? parsed.errors.checkpointIndex : undefined}
        hint={checkpointCount === undefined ? "The number of checkpoints is unknown here (the job's spec could not be fetched, or its training split keeps some labels only)." : `This result has ${checkpointCount} checkpoints: 0 to ${checkpointCount - 1}.`} data-testid="challenge-index" />
      <Field label="Your hash of that checkpoint" value={form.claimedHash} onChange={(e) => setForm({ ...form, claimedHash: e.target.value })} error={touched ? parsed.errors.claimedHash : undefined}
        hint="0x and 64 hex digits, as veritrain prints it." spellCheck={false} data-testid="challenge-hash" />
      {fundsError !== undefined && <p role="alert" className="error">{fundsError}</p>}
      <button type="submit" disabled={tx.busy || address === undefined} data-testid="challenge-submit">{address === undefined ? "Connect a wallet to challenge" : "Post the bond and challenge"}</button>
      <TransactionStatus state={tx.state} />
    </form>
  );
}

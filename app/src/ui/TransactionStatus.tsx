import type { TransactionState } from "../chain/useTransaction.ts";

const SAID: Record<TransactionState["status"], string> = {
  idle: "",
  checking: "Checking…",
  signing: "Confirm it in your wallet…",
  pending: "Pending: waiting for the block…",
  confirmed: "Confirmed.",
  failed: "Failed:",
};

/**
 * What a transaction is doing, announced to screen readers as it changes (`role="status"`).
 *
 * @example
 * <TransactionStatus state={tx.state} />
 */
export function TransactionStatus({ state }: { state: TransactionState }) {
  if (state.status === "idle") return <p role="status" className="tx-status" />;
  return (
    <p role="status" className={`tx-status tx-${state.status}`} data-status={state.status}>
      <strong>{state.label}</strong> {SAID[state.status]} {state.status === "failed" && <span className="tx-message">{state.message}</span>}
      {"hash" in state && state.hash !== undefined && <code className="tx-hash"> {state.hash}</code>}
    </p>
  );
}

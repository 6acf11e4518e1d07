import { useId, type InputHTMLAttributes } from "react";

/**
 * A labelled input with its hint and, once the value is wrong, its error (tied to the input by
 * `aria-describedby` and `aria-invalid`).
 *
 * @example
 * <Field label="Amount (VTT)" value={amount} onChange={(e) => setAmount(e.target.value)} error={amountError} />
 */
export function Field({ label, hint, error, ...input }: { label: string; hint?: string; error?: string | undefined } & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-invalid={error !== undefined} aria-describedby={`${id}-hint ${id}-error`} {...input} />
      {hint && <small id={`${id}-hint`}>{hint}</small>}
      <small id={`${id}-error`} className="field-error" role={error ? "alert" : undefined}>{error ?? ""}</small>
    </div>
  );
}

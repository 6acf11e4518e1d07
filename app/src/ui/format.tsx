import { formatUnits, type Address } from "viem";
import { Link } from "wouter";

/** Token amounts: 18 decimals, up to 4 shown, with the token's symbol. */
export function Tokens({ value, symbol = "VTT" }: { value: bigint | string | undefined | null; symbol?: string }) {
  if (value === undefined || value === null) return <span>–</span>;
  const [whole, fraction = ""] = formatUnits(BigInt(value), 18).split(".");
  const shown = fraction.slice(0, 4).replace(/0+$/, "");
  return <span className="tokens">{`${whole}${shown ? `.${shown}` : ""} ${symbol}`}</span>;
}

/** An account, shortened, linking to its audit page; the full address on hover and for screen readers. */
export function AccountLink({ address }: { address: Address | string | undefined | null }) {
  if (!address) return <span>–</span>;
  return (
    <Link href={`/accounts/${address.toLowerCase()}`} className="address" title={address} aria-label={`account ${address}`}>
      {`${address.slice(0, 6)}…${address.slice(-4)}`}
    </Link>
  );
}

/** A unix time as the reader's local date and time. */
export function Time({ seconds }: { seconds: bigint | number | string | undefined | null }) {
  if (seconds === undefined || seconds === null) return <span>–</span>;
  const date = new Date(Number(seconds) * 1000);
  return <time dateTime={date.toISOString()}>{date.toLocaleString()}</time>;
}

/** `n` seconds as "1 h 2 min 3 s". */
export function duration(seconds: number): string {
  if (seconds <= 0) return "0 s";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return [h > 0 && `${h} h`, m > 0 && `${m} min`, (s > 0 || (h === 0 && m === 0)) && `${s} s`].filter(Boolean).join(" ");
}

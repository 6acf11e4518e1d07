import { useEffect, useMemo, useState } from "react";
import { useBlock } from "wagmi";

/**
 * The chain's time now, in unix seconds, ticking every second: the latest block's timestamp,
 * advanced by the wall clock since it arrived (deadlines are in chain time, which a devnet may
 * have moved ahead of the wall clock).
 *
 * @example
 * const now = useChainNow();
 * const left = deadline - now;
 */
export function useChainNow(): number {
  const { data: block } = useBlock({ watch: true });
  const [tick, setTick] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setTick(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const timestamp = block === undefined ? undefined : Number(block.timestamp);
  const anchor = useMemo(() => (timestamp === undefined ? undefined : { chain: timestamp, local: Date.now() }), [timestamp]);
  return anchor === undefined ? Math.floor(tick / 1000) : anchor.chain + Math.max(0, Math.floor((tick - anchor.local) / 1000));
}

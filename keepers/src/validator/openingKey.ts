import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { x25519 } from "@noble/curves/ed25519.js";
import type { Logger } from "pino";
import { bytesToHex, hexToBytes, type Hex } from "viem";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import type { OpeningKeyHolder } from "../roundJobs/noiseOpening.ts";
import { VeritrainError } from "../errors.ts";
import { writeFileAtomic } from "../runtime/writeFileAtomic.ts";

function readSecretKey(file: string): Uint8Array {
  try {
    const { secretKey } = JSON.parse(readFileSync(file, "utf8")) as { secretKey: unknown };
    if (typeof secretKey === "string" && /^0x[0-9a-f]{64}$/i.test(secretKey)) return hexToBytes(secretKey as Hex);
  } catch {
    // reported below
  }
  throw new VeritrainError(`${file} does not hold an opening key ({"secretKey": "0x" + 64 hex digits}): restore it, or delete it to draw and register a new one`, {
    code: "OPENING_KEY_INVALID", details: { file },
  });
}

/**
 * The validator's X25519 opening key (docs/distributed-training.md, "Noise-seed openings"): its secret half kept in
 * `<dataDir>/validator/opening-key.json` (drawn on first use), its public half registered on SecureAggregationLedger
 * (`setOpeningKey`) unless the chain holds it already, so data owners can open their noise seeds to committees this
 * validator sits on. The file is written readable by its owner alone.
 *
 * @throws VeritrainError `OPENING_KEY_INVALID` if the file holds no key.
 * @example
 * const holder = await ensureOpeningKey({ chain, dataDir, log });
 */
export async function ensureOpeningKey({ chain, dataDir, log }: { chain: ProtocolConnection; dataDir: string; log: Logger }): Promise<OpeningKeyHolder> {
  const file = join(dataDir, "validator", "opening-key.json");
  let secretKey: Uint8Array;
  if (existsSync(file)) {
    secretKey = readSecretKey(file);
  } else {
    secretKey = new Uint8Array(randomBytes(32));
    mkdirSync(dirname(file), { recursive: true });
    writeFileAtomic(file, JSON.stringify({ secretKey: bytesToHex(secretKey) }), 0o600);
  }
  const key = bytesToHex(x25519.getPublicKey(secretKey));
  const account = chain.account.address;
  if ((await chain.contracts.SecureAggregationLedger.read.openingKeyOf([account])) !== key) {
    await chain.send(() => chain.contracts.SecureAggregationLedger.write.setOpeningKey([key]));
    log.info({ key }, "opening key registered");
  }
  return { account, secretKey };
}

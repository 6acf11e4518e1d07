import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { numberToHex } from "viem";
import { hashToG1 } from "../../../keepers/src/drand/hashToG1.ts";
import { DRAND_BN254_DST, drandRoundMessage } from "../../../keepers/src/drand/verifyBeacon.ts";
import { loadBn254 } from "../../../keepers/src/proofs/bn254.ts";

/** The G2 generator as mcl reads it: "1 x.c0 x.c1 y.c0 y.c1". */
const G2_GENERATOR =
  "1 0x1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed 0x198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2 " +
  "0x12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa 0x090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b";

/** A drand-like BN254 signer with a known secret key, for tests: drand's scheme, our own key. */
export type TestBeaconKey = {
  /** The G2 public key, EIP-197 order `[x.c1, x.c0, y.c1, y.c0]`, as DrandBeaconCoordinator takes it. */
  publicKey: readonly [bigint, bigint, bigint, bigint];
  /** Round `round`'s signature, `[x, y]`. */
  sign(round: bigint): readonly [bigint, bigint];
};

/** A signer for secret key `secret`. */
export async function testBeaconKey(secret: bigint): Promise<TestBeaconKey> {
  const bn254 = await loadBn254();
  const sk = new bn254.Fr();
  sk.setStr(secret.toString(), 10);
  const g2 = new bn254.G2();
  g2.setStr(G2_GENERATOR.replaceAll("0x", ""), 16);
  const pk = bn254.mul(g2, sk);
  pk.normalize();
  const [, x0, x1, y0, y1] = pk.getStr(10).split(" ").map((word) => BigInt(word));
  return {
    publicKey: [x1!, x0!, y1!, y0!],
    sign(round) {
      const h = hashToG1(drandRoundMessage(round), DRAND_BN254_DST);
      const point = new bn254.G1();
      point.setStr(`1 ${h.x} ${h.y}`, 10);
      const sigma = bn254.mul(point, sk);
      sigma.normalize();
      const [, x, y] = sigma.getStr(10).split(" ").map((word) => BigInt(word));
      return [x!, y!];
    },
  };
}

/** A beacon HTTP server on 127.0.0.1 speaking drand's v2 API (`GET /rounds/{round}`). */
export type TestBeaconServer = {
  /** Base URL, e.g. `http://127.0.0.1:PORT`. */
  url: string;
  /** Rounds asked for, in order. */
  requested: bigint[];
  close(): Promise<void>;
};

/**
 * Serves rounds signed by `key`, publishing round r only once `now()` ≥ `genesisTime + (r − 1)·period`
 * (425 before, as drand's relays answer too-early rounds); `tamper` may replace a signature.
 */
export async function startTestBeaconServer({
  key,
  genesisTime,
  period,
  now,
  tamper = (_round, signature) => signature,
}: {
  key: TestBeaconKey;
  genesisTime: bigint;
  period: bigint;
  now: () => bigint;
  tamper?: (round: bigint, signature: readonly [bigint, bigint]) => readonly [bigint, bigint];
}): Promise<TestBeaconServer> {
  const requested: bigint[] = [];
  const server: Server = createServer((request, response) => {
    const match = /^\/rounds\/(\d+)$/.exec(request.url ?? "");
    if (!match) {
      response.writeHead(404).end();
      return;
    }
    const round = BigInt(match[1]!);
    requested.push(round);
    if (round === 0n || now() < genesisTime + (round - 1n) * period) {
      response.writeHead(425, { "content-type": "application/json" }).end(JSON.stringify({ error: "round in the future" }));
      return;
    }
    const [x, y] = tamper(round, key.sign(round));
    const signature = `${numberToHex(x, { size: 32 }).slice(2)}${numberToHex(y, { size: 32 }).slice(2)}`;
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ round: Number(round), signature }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requested,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

import type { Hex } from "viem";

/** Splits a 64-byte G1 signature (x ‖ y, as drand serves it) into the words `fulfillRandomWords` takes. */
export function signatureWords(signature: Hex): readonly [bigint, bigint] {
  return [
    BigInt(`0x${signature.slice(2, 66)}`),
    BigInt(`0x${signature.slice(66, 130)}`),
  ];
}

/** Splits a 128-byte G2 public key (drand's kyber encoding: x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0) into four words. */
export function publicKeyWords(
  publicKey: Hex
): readonly [bigint, bigint, bigint, bigint] {
  const word = (i: number) =>
    BigInt(`0x${publicKey.slice(2 + 64 * i, 66 + 64 * i)}`);
  return [word(0), word(1), word(2), word(3)];
}

/**
 * drand "evmnet" (scheme `bls-bn254-unchained-on-g1`), as https://api.drand.sh/v2/beacons/evmnet/info serves
 * it (quoted in https://docs.anyrand.com/diy/quickstart and in drand/tlock's tests).
 */
export const EVMNET = {
  publicKey:
    "0x07e1d1d335df83fa98462005690372c643340060d205306a9aa8106b6bd0b3820557ec32c2ad488e4d4f6008f89a346f18492092ccc0d594610de2732c8b808f0095685ae3a85ba243747b1b2f426049010f6b73a0cf1d389351d5aaaa1047f6297d3a4f9749b33eb2d904c9d9ebf17224150ddd7abd7567a9bec6c74480ee0b",
  genesisTime: 1727521075n,
  period: 3n,
  chainHash:
    "0x04f1e9062b8a81f848fded9c12306733282b2727ecced50032187751166ec8c3",
  genesisSeed:
    "0xcd7ad2f0e0cce5d8c288f2dd016ffe7bc8dc88dbb229b3da2b6ad736490dfed6",
  dst: "BLS_SIG_BN254G1_XMD:KECCAK-256_SVDW_RO_NUL_",
} as const;

/**
 * Real evmnet beacons (round, 64-byte signature x ‖ y) quoted in public test files, each checked here with
 * @kevincharm/noble-bn254-drand; `randomness` is drand's sha256(signature).
 */
export const EVMNET_BEACONS: readonly {
  round: bigint;
  signature: Hex;
  randomness: Hex;
}[] = [
  {
    round: 9_337_227n,
    signature:
      "0x01d65d6128f4b2df3d08de85543d8efe06b0281d0770246ae3672e8ddd3efda0269373123458f0b5c0073eeed1c816a06809e127421513e34ee07df6987910b3",
    randomness:
      "0xa1e645cd6193837f626716851f5c42ad4bf63ad75193b2cae40f88c08c8f3bd8",
  },
  {
    round: 10_000_000n,
    signature:
      "0x2c7b65b5acfe55256910ca71cf0a0fa71ac34c2a1167f86a22930a03e70ebec00f7a530796e7ee38600b06da0390634a9b154e3eebc3b323dde2111e1c8ebdf3",
    randomness:
      "0x8b8535f192275f32bc8532d19f0465f25abc4cb762697236a29665bc5248aa6c",
  },
];

/**
 * Another drand BN254 network (same scheme, its own key; beacon id "default", genesis 1726958055, period 3),
 * whose first rounds kevincharm/noble-bn254-drand's tests use (test/data.ts).
 */
export const BN254_TEST_NETWORK = {
  publicKey:
    "0x14018a8127d0cd185f0d0cd168bec330c584581d46f77f41e8ee33ad600588e104961f20efbcec8ce5e176aa182bf141f7059cfb467e3b508bc6f36f227d5cf31c7baa2a010677e813ffca24b4ff5faf3348b2750201c85b126a480118b149f514d3e7aba46a99f40aac6507a2c6d6f3c7a6b38038786831e3e6b5b0adf5894b",
  genesisTime: 1726958055n,
  period: 3n,
  beacons: [
    {
      round: 1n,
      signature:
        "0x0d2cdded373210583d66d973f28b68adc4a5d52a39304a38343ee9d2e785f335098a1d16660304ceeabac9ddb80ec00916dcbe32ac8597b6295baac935f84648",
    },
    {
      round: 2n,
      signature:
        "0x2b481ec543a44225ba184d09c83068f7e74b4d78d076cca67a1647418391e3fd1e739096fed5d0315e81beeec64058d5d31161f3e2e9df14d4af86a7c2fa1e92",
    },
    {
      round: 3n,
      signature:
        "0x2b71c198edfb7271be885f02227930d86e88884fc6870219898904748d37f49f03f4e39b955198e6638cd55c785d1e0f6da236539f9d18b84ab95eb2e92f691a",
    },
    {
      round: 10n,
      signature:
        "0x0fd919ec1490bf01935f348837bd20f49f539c5adfd60ce29648fe16f8dbed8803bf3e8fb4c3cbce5dcb642333d81260a811cc432b2f7a687b9b7c2305ad01ee",
    },
    {
      round: 40n,
      signature:
        "0x23f7e78888e0bb376e9f70ded2d49546e300c913a401c1b59cc63626c5a6f3750cc5ef66ad1430b82a57aa94aa866dccd68213e66d5f35ff53b19c60dc008429",
    },
  ] as readonly { round: bigint; signature: Hex }[],
} as const;

/**
 * hash_to_curve outputs of an independent implementation, @kevincharm/noble-bn254-drand 0.0.1 (with
 * @noble/curves 1.9.0 and @noble/hashes 1.8.0): `bn254.G1.hashToCurve(message, { DST: EVMNET.dst })`.
 * Entries with a `round` hash drand's round message keccak256(uint64be(round)). Generated outside the project
 * (`npm i @kevincharm/noble-bn254-drand@0.0.1 @noble/curves@1.9.0 @noble/hashes@1.8.0` in an empty directory):
 * the package requires `@noble/hashes/sha3` without declaring it, and this project's hoisted @noble/hashes is
 * 2.x, whose subpaths end in `.js`, so it does not load here.
 */
export const HASH_TO_CURVE_VECTORS: readonly {
  round?: bigint;
  message: Hex;
  x: Hex;
  y: Hex;
}[] = [
  {
    message: "0x",
    x: "0x044eadc48e365967c8448710563a4cb139b7f78cb79d4829f20a3c356436fe43",
    y: "0x21de572d5339c6fe5a2a5652732d5fa30750f799b14786aa98369ddc674f98fd",
  },
  {
    message: "0x616263",
    x: "0x1a3f8eafa632d4fe3132bf74145143bea5620870973470f8c551d71034d14418",
    y: "0x0e4a18aa57954bda4ba571a61c49f1cc9791b890190d6cbfa07fd4624ff9e220",
  },
  {
    message:
      "0x6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161",
    x: "0x24b2d46c6d0290ab36334ac8861b51649f7f6554359bfc14b77e50a50ec6baf2",
    y: "0x031598e6955b5fe08b0109bdfbcaaea9f4b14c9b6d1144c0bb56d50b4c99c5c3",
  },
  {
    round: 1n,
    message:
      "0x6c31fc15422ebad28aaf9089c306702f67540b53c7eea8b7d2941044b027100f",
    x: "0x073d3d00a1c3ca588db79d44202e44b2f45995ddd39e705717c9edfcb79e4371",
    y: "0x173e31a5208ea2594cbcb23b5afb3dd930719a4d1a3f877839bb8bdeb3c15084",
  },
  {
    round: 40n,
    message:
      "0x24d58bf734de10f8f404bd04f1c38bf25e5b2cecf81cf2b08b45f67074b03a1a",
    x: "0x0ae8ea207a0e20c80fc69d41fcaf6b93ed148dd7a535bab34455b89b3895bbee",
    y: "0x0a52f5925127961837f6bd950c4d9f90997cc2ebcc29fa0018b0311175bae89a",
  },
  {
    round: 9337227n,
    message:
      "0xbaf09720c37cb921fd8362b1d907232ac0b813ffba768c714aeaace987e7fd6b",
    x: "0x1626082c3dd0751bdaaf8c3e709b5dd7cdedf45d4e81a5aa3e270f1e78924b32",
    y: "0x2bf29ab3af54dfe3c053ad4efa93db05d3586368463e9d7334c7ba61f6f4e955",
  },
  {
    round: 10000000n,
    message:
      "0xfb6f1d88989190baefebbc972a6649786d430e15d31f4dbfebdc0f5bbe8ab7f4",
    x: "0x12c71e417ce30cf8bb970419ac32234c2132f65fc265145035af1214755bbb59",
    y: "0x29ddc696ec19d9f6486c6f6b3cf6dc908742eb6fa13bb8527aedadf56398ead2",
  },
];

/** map_to_curve_svdw outputs of the same implementation (`bn254.G1.mapToCurve([u])`), u = 0 and u = p - 1 included. */
export const MAP_TO_CURVE_VECTORS: readonly { u: bigint; x: Hex; y: Hex }[] = [
  {
    u: 0x0n,
    x: "0x183227397098d014dc2822db40c0ac2ecbc0b548b438e5469e10460b6c3e7ea3",
    y: "0x0a6ea289876b139cfe2cd1f08c065a2ab4aad542eaccb013520ea36934e877b4",
  },
  {
    u: 0x1n,
    x: "0x2b8d79cdcaaca9beddf982188d7d92fd2acc298e53b6ec72d69aab86960a1727",
    y: "0x16de5b0e1c87130160106734a03a0e2a4a78ed715dba060f06235c2abdb920e5",
  },
  {
    u: 0x2n,
    x: "0x266dc5d3b2d495c6f15f00ae673bad8c98c23fe533582e2c151b6392d554328a",
    y: "0x302c71c5423bef26de207f69c06daddbbcb18b1429c27b756ac8ff60f6485396",
  },
  {
    u: 0x5n,
    x: "0x2ccc61f84a2288dd2fc0a6fe39f4346eba398bfd6fe86c34ad15e87f4306b7c6",
    y: "0x159340e2059b3cccce609cad21c69dded438dea7994d40c3238985df9e5bc157",
  },
  {
    u: 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd46n,
    x: "0x04d6d4a51684f66ada56c39df403c5606cb5410314bade1a6585e0904272e61f",
    y: "0x105bb97ca2044e82558ac2ec879332ba1a732cf7e4b4840127900bc7b7731108",
  },
  {
    u: 0x1234567890abcdefn,
    x: "0x12ec011a5da776f4330d955d8abd2e632d665796281170d07c9d13bb88ab061d",
    y: "0x0a0ca4c3f4320e93d3cf38948c42cc5bbdd0722c75e766a77264f873b79d4007",
  },
];

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hexToBytes } from "viem";
import { stripMetadata } from "../../../tools/evm/stripMetadata.ts";

/** solc 0.8.37's metadata tail: the CBOR map {ipfs: <34 bytes>, solc: 0.8.37} (0x33 bytes), then 0x0033. */
const METADATA = hexToBytes(`0xa264697066735822${"12".repeat(34)}64736f6c63430008250033`);
const CODE = Uint8Array.of(0x60, 0x80, 0x60, 0x40, 0x52, 0xfe);

describe("stripMetadata", () => {
  it("removes solc's CBOR map and its two length bytes", () => {
    assert.equal(METADATA.length, 0x33 + 2);
    assert.deepEqual(stripMetadata(Uint8Array.from([...CODE, ...METADATA])), CODE);
  });

  describe("when the code has no metadata tail", () => {
    it("returns code whose last two bytes point before its start unchanged", () => {
      assert.deepEqual(stripMetadata(CODE), CODE);
    });

    it("returns code whose tail is not a CBOR map naming solc unchanged", () => {
      // The last two bytes say 3, but the 3 bytes before them do not start a CBOR map.
      const notAMap = Uint8Array.of(0x5e, 0x60, 0x01, 0x44, 0x00, 0x03);
      assert.deepEqual(stripMetadata(notAMap), notAMap);
      // A one-entry map {"a": 1}, without the solc key.
      const noSolcKey = Uint8Array.of(0x5e, 0xa1, 0x61, 0x61, 0x01, 0x00, 0x04);
      assert.deepEqual(stripMetadata(noSolcKey), noSolcKey);
    });
  });
});

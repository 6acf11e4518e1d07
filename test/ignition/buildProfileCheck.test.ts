import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { config } from "hardhat";
import { checkBuildProfile } from "../../ignition/buildProfileCheck.ts";

const { profiles } = config.solidity;
const check = (network: string | undefined, buildProfile: string | undefined) => () => checkBuildProfile({ network, buildProfile, profiles });

describe("checkBuildProfile", () => {
  it("accepts every network's own build profile", () => {
    for (const network of ["cardona", "scrollSepolia", "lineaSepolia"]) assert.doesNotThrow(check(network, network));
  });

  describe("when the build profile compiles for another EVM version", () => {
    it("refuses Cardona (shanghai) with production, given or by default, and names the command to use", () => {
      const message = /build profile "production" compiles for cancun but cardona needs shanghai: deploy with `npx hardhat --build-profile cardona ignition deploy/;
      assert.throws(check("cardona", "production"), message);
      assert.throws(check("cardona", undefined), message);
      assert.throws(check("scrollSepolia", "cardona"), /compiles for shanghai but scrollSepolia needs cancun/);
    });
  });

  it("accepts production (cancun) for the cancun networks", () => {
    assert.doesNotThrow(check("scrollSepolia", undefined));
    assert.doesNotThrow(check("lineaSepolia", "production"));
  });

  it("refuses a build profile that does not exist", () => {
    assert.throws(check("lineaSepolia", "lineaMainnet"), /build profile "lineaMainnet" compiles for no EVM version/);
  });

  it("does not check networks without an EVM target", () => {
    assert.doesNotThrow(check("localhost", "cardona"));
    assert.doesNotThrow(check(undefined, undefined));
  });
});

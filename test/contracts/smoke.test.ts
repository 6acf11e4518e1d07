import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deployProtocol, networkHelpers, postJob, JobStatus } from "./fixture.ts";

describe("smoke", () => {
  it("deploys and posts", async () => {
    const p = await networkHelpers.loadFixture(deployProtocol);
    const id = await postJob(p);
    const job = await p.jobRegistry.read.getJob([id]);
    assert.equal(job.status, JobStatus.Bidding);
  });
});

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { createRoleHealth } from "../../../keepers/src/runtime/roleHealth.ts";
import { HttpError, serveHttp, type HttpServer } from "../../../keepers/src/runtime/serveHttp.ts";

const log = pino({ level: "silent" });

describe("serveHttp", () => {
  describe("when routes are exact paths and prefixes", () => {
    let server: HttpServer;
    before(async () => {
      server = await serveHttp({
        port: 8992,
        health: createRoleHealth("test"),
        log,
        routes: {
          "GET /exact": () => ({ status: 200, body: { route: "exact" } }),
          "GET /files/*": (request) => ({ status: 200, bytes: new TextEncoder().encode(request.url), headers: { "content-type": "text/plain" } }),
          "GET /files/special/*": () => ({ status: 200, body: { route: "longest prefix" } }),
          "GET /refused": () => {
            throw new HttpError(409, "refused on purpose", "REFUSED");
          },
        },
      });
    });
    after(() => server?.close());

    it("answers JSON for a body, bytes with the route's headers for bytes", async () => {
      const json = await fetch(`${server.url}/exact?ignored=1`);
      assert.equal(json.headers.get("content-type"), "application/json");
      assert.deepEqual(await json.json(), { route: "exact" });
      const bytes = await fetch(`${server.url}/files/a/b.txt`);
      assert.equal(bytes.headers.get("content-type"), "text/plain");
      assert.equal(await bytes.text(), "/files/a/b.txt");
    });

    it("takes the longest prefix that matches, and no prefix for another method or path", async () => {
      assert.deepEqual(await (await fetch(`${server.url}/files/special/x`)).json(), { route: "longest prefix" });
      assert.equal((await fetch(`${server.url}/files/x`, { method: "POST" })).status, 404);
      assert.equal((await fetch(`${server.url}/filesx`)).status, 404);
    });

    it("answers an HttpError with its status and code, and sends no CORS header unless asked", async () => {
      const response = await fetch(`${server.url}/refused`);
      assert.equal(response.status, 409);
      assert.deepEqual(await response.json(), { error: "refused on purpose", code: "REFUSED" });
      assert.equal(response.headers.get("access-control-allow-origin"), null);
      assert.equal((await fetch(`${server.url}/exact`, { method: "OPTIONS" })).status, 404);
    });
  });

  describe("when cors is on", () => {
    let server: HttpServer;
    before(async () => {
      server = await serveHttp({ port: 8993, health: createRoleHealth("test"), log, cors: true, routes: { "POST /upload": () => ({ status: 200, body: {} }) } });
    });
    after(() => server?.close());

    it("opens every answer to any origin, errors and /healthz included, and answers preflights", async () => {
      for (const response of [await fetch(`${server.url}/upload`, { method: "POST" }), await fetch(`${server.url}/missing`), await fetch(`${server.url}/healthz`)]) {
        assert.equal(response.headers.get("access-control-allow-origin"), "*");
      }
      const preflight = await fetch(`${server.url}/upload`, { method: "OPTIONS" });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get("access-control-allow-methods"), "GET, POST, OPTIONS");
    });
  });
});

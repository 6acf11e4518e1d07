import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { create } from "kubo-rpc-client";
import { pino } from "pino";
import { MAX_BLOCK_BYTES, rawBlockCid } from "../../../keepers/src/content/contentStore.ts";
import { createHeliaContentStore, type HeliaContentStore } from "../../../keepers/src/content/heliaContentStore.ts";
import { createKuboContentStore } from "../../../keepers/src/content/kuboContentStore.ts";
import { buildAppConfig, type AppConfig } from "../../../keepers/src/gateway/appConfig.ts";
import { startGateway } from "../../../keepers/src/gateway/startGateway.ts";
import { createRoleHealth } from "../../../keepers/src/runtime/roleHealth.ts";
import type { HttpServer } from "../../../keepers/src/runtime/serveHttp.ts";
import { startLocalChain, type LocalChain } from "../../harness/localChain.ts";

// The top of the tests' range: devnets started at 8900 or 8920 take the 30 ports above them.
const PORT = 8991;
const CLI_PORT = 8994;
const url = `http://127.0.0.1:${PORT}`;
const cli = new URL("../../../keepers/src/cli.ts", import.meta.url).pathname;
const text = (s: string) => new TextEncoder().encode(s);
const addresses = { VeritrainToken: "0x5FbDB2315678afecb367f032d93F642f64180aa3", JobRegistry: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" } as const;

/** A GET whose path is sent as written: fetch() would resolve `..` before sending it. */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: "127.0.0.1", port: PORT, path }, (response) => {
      let body = "";
      response.on("data", (chunk) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode!, body }));
    });
    request.on("error", reject).end();
  });
}

/** A Kubo `block/put` body: the block as the one file part. */
function blockForm(bytes: Uint8Array): FormData {
  const form = new FormData();
  form.append("file", new Blob([bytes]));
  return form;
}

describe("buildAppConfig", () => {
  const base = { rpcUrl: "http://127.0.0.1:8545", subgraphUrl: "http://127.0.0.1:8546/subgraphs/name/veritrain", gatewayUrl: url, addresses };

  it("names the devnet, points both IPFS URLs at the gateway, and keeps every address", () => {
    assert.deepEqual(buildAppConfig({ ...base, chainId: 31337, devWallet: true }), {
      chainId: 31337,
      chainName: "veritrain devnet",
      rpcUrl: base.rpcUrl,
      subgraphUrl: base.subgraphUrl,
      ipfsApiUrl: url,
      ipfsGatewayUrl: url,
      addresses,
      devWallet: true,
    });
  });

  describe("when the chain is not the devnet", () => {
    it("refuses the development wallet", () => {
      assert.throws(() => buildAppConfig({ ...base, chainId: 11155111, chainName: "Sepolia", devWallet: true }), { code: "GATEWAY_CONFIG_INVALID", message: /refused on chain 11155111/ });
    });

    it("needs --chain-name, and takes it", () => {
      assert.throws(() => buildAppConfig({ ...base, chainId: 11155111, devWallet: false }), { code: "GATEWAY_CONFIG_INVALID", message: /--chain-name/ });
      assert.equal(buildAppConfig({ ...base, chainId: 11155111, chainName: "Sepolia", devWallet: false }).chainName, "Sepolia");
    });
  });
});

describe("gateway keeper: node A serves the browser, node B is a job keeper dialed to it", { timeout: 120_000 }, () => {
  let root: string;
  let a: HeliaContentStore;
  let b: HeliaContentStore;
  /** A node the gateway has not dialed: it is reached only through `reachPeers`, as a storage provider is. */
  let c: HeliaContentStore;
  let reaches = 0;
  let gateway: HttpServer;
  let appConfig: AppConfig;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), "veritrain-gateway-"));
    const app = join(root, "app");
    await mkdir(join(app, "assets"), { recursive: true });
    await writeFile(join(app, "index.html"), "<!doctype html><title>veritrain</title>");
    await writeFile(join(app, "assets", "index-abc123.js"), "console.log(1);");
    await writeFile(join(app, "assets", "kernel.wasm"), new Uint8Array([0, 97, 115, 109]));
    await writeFile(join(root, "secret.txt"), "not for the browser");
    a = await createHeliaContentStore({ directory: join(root, "a"), listen: true });
    b = await createHeliaContentStore({ directory: join(root, "b"), listen: true, peers: a.multiaddrs() });
    c = await createHeliaContentStore({ directory: join(root, "c"), listen: true });
    const reachPeers = async () => {
      reaches++;
      await a.dial(c.multiaddrs()[0]!);
    };
    appConfig = buildAppConfig({ chainId: 31337, rpcUrl: "http://127.0.0.1:8545", subgraphUrl: "http://127.0.0.1:8546/subgraphs/name/veritrain", gatewayUrl: url, addresses, devWallet: true });
    gateway = await startGateway({ port: PORT, store: a, appConfig, appDirectory: app, fetchTimeoutMs: 2_000, reachPeers, health: createRoleHealth("gateway"), log: pino({ level: "silent" }) });
  });
  after(async () => {
    await gateway?.close();
    await c?.close();
    await b?.close();
    await a?.close();
    await rm(root, { recursive: true, force: true });
  });

  describe("POST /api/v0/block/put", () => {
    it("stores and pins a block put by Kubo's own client, and node B fetches it over bitswap", async () => {
      const bytes = text("a job spec uploaded by the browser");
      const cid = await create({ url }).block.put(bytes, { format: "raw", mhtype: "sha2-256", version: 1 });
      assert.equal(cid.toString(), (await rawBlockCid(bytes)).toString());
      assert.equal(await a.isPinned(cid), true);
      assert.deepEqual(await b.get(cid, { signal: AbortSignal.timeout(10_000) }), bytes);
    });

    it("answers exactly as Kubo: {Key, Size}, CORS open; the Kubo content store puts through it and reads back through /ipfs", async () => {
      const bytes = text("kubo content store");
      const response = await fetch(`${url}/api/v0/block/put?cid-codec=raw&mhtype=sha2-256`, { method: "POST", body: blockForm(bytes) });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("access-control-allow-origin"), "*");
      const cid = await rawBlockCid(bytes);
      assert.deepEqual(await response.json(), { Key: cid.toString(), Size: bytes.byteLength });
      const other = text("through the kubo content store");
      const put = await createKuboContentStore({ url, timeoutMs: 5_000 }).put(other);
      assert.deepEqual(new Uint8Array(await (await fetch(`${url}/ipfs/${put}?format=raw`)).arrayBuffer()), other);
    });

    it("refuses another codec or hash (400), a block over 1 MiB (413) and a body that is not multipart (400)", async () => {
      const post = (query: string, body: FormData | string) => fetch(`${url}/api/v0/block/put?${query}`, { method: "POST", body });
      const codec = await post("cid-codec=dag-cbor", blockForm(text("x")));
      assert.equal(codec.status, 400);
      assert.equal(((await codec.json()) as { code: string }).code, "GATEWAY_BLOCK_FORMAT_UNSUPPORTED");
      assert.equal((await post("format=dag-pb", blockForm(text("x")))).status, 400);
      assert.equal((await post("mhtype=sha2-512", blockForm(text("x")))).status, 400);
      const big = await post("cid-codec=raw", blockForm(new Uint8Array(MAX_BLOCK_BYTES + 1)));
      assert.equal(big.status, 413);
      assert.equal(((await big.json()) as { code: string }).code, "GATEWAY_BLOCK_TOO_LARGE");
      assert.equal((await post("cid-codec=raw", blockForm(new Uint8Array(MAX_BLOCK_BYTES + 64 * 1024)))).status, 413, "refused by its length, unread");
      assert.equal((await post("cid-codec=raw", "plain text")).status, 400);
    });
  });

  describe("GET /ipfs/<cid>", () => {
    it("serves a block only node B holds, fetched over bitswap and checked against its CID", async () => {
      const bytes = text("trained weights published by a compute provider");
      const cid = await b.put(bytes);
      assert.equal(await a.has(cid), false);
      const response = await fetch(`${url}/ipfs/${cid}?format=raw`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("content-type"), "application/vnd.ipld.raw");
      assert.equal(response.headers.get("access-control-allow-origin"), "*");
      assert.match(response.headers.get("cache-control")!, /immutable/);
      assert.deepEqual(new Uint8Array(await response.arrayBuffer()), bytes);
    });

    it("reaches its peers before looking for a block it lacks (a storage provider it had not dialed), and not for one it holds", async () => {
      const bytes = text("a dataset manifest on a storage provider");
      const cid = await c.put(bytes);
      const before = reaches;
      const response = await fetch(`${url}/ipfs/${cid}?format=raw`);
      assert.equal(response.status, 200);
      assert.deepEqual(new Uint8Array(await response.arrayBuffer()), bytes);
      assert.equal(reaches, before + 1);
      await a.put(text("held by the gateway"));
      await fetch(`${url}/ipfs/${await rawBlockCid(text("held by the gateway"))}?format=raw`);
      assert.equal(reaches, before + 1, "no dial for a block the gateway holds");
    });

    it("takes Accept: application/vnd.ipld.raw instead of ?format=raw", async () => {
      const bytes = text("asked by media type");
      const cid = await a.put(bytes);
      const response = await fetch(`${url}/ipfs/${cid}`, { headers: { accept: "application/vnd.ipld.raw" } });
      assert.equal(response.status, 200);
      assert.deepEqual(new Uint8Array(await response.arrayBuffer()), bytes);
    });

    it("answers 404 with a JSON error for a block nobody holds, once the fetch timeout is over", async () => {
      const response = await fetch(`${url}/ipfs/${await rawBlockCid(text("held by nobody"))}?format=raw`);
      assert.equal(response.status, 404);
      assert.equal(response.headers.get("access-control-allow-origin"), "*");
      assert.equal(((await response.json()) as { code: string }).code, "GATEWAY_BLOCK_NOT_FOUND");
    });

    it("answers 400 for a malformed CID, a path inside the block, or no raw format asked for", async () => {
      const cid = await rawBlockCid(text("x"));
      for (const path of ["/ipfs/not-a-cid?format=raw", `/ipfs/${cid}/inner?format=raw`, `/ipfs/${cid}`, `/ipfs/${cid}?format=car`]) {
        const response = await fetch(`${url}${path}`);
        assert.equal(response.status, 400, path);
        assert.equal(((await response.json()) as { code: string }).code, "GATEWAY_REQUEST_INVALID", path);
      }
    });
  });

  describe("the browser's other routes", () => {
    it("serves config.json as built", async () => {
      const response = await fetch(`${url}/config.json`);
      assert.equal(response.headers.get("access-control-allow-origin"), "*");
      assert.deepEqual(await response.json(), appConfig);
    });

    it("answers a CORS preflight", async () => {
      const response = await fetch(`${url}/api/v0/block/put`, { method: "OPTIONS", headers: { origin: "http://localhost:5173", "access-control-request-method": "POST" } });
      assert.equal(response.status, 204);
      assert.equal(response.headers.get("access-control-allow-origin"), "*");
      assert.match(response.headers.get("access-control-allow-methods")!, /POST/);
    });

    it("serves /healthz: ok once listening", async () => {
      const response = await fetch(`${url}/healthz`);
      assert.equal(response.status, 200);
      const report = (await response.json()) as { role: string; status: string };
      assert.deepEqual([report.role, report.status], ["gateway", "ok"]);
    });

    it("serves the app: index.html at / and for the app's own paths, assets with their types, cached as immutable", async () => {
      for (const path of ["/", "/jobs/7"]) {
        const page = await fetch(`${url}${path}`);
        assert.equal(page.status, 200, path);
        assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
        assert.equal(page.headers.get("cache-control"), "no-cache");
        assert.match(await page.text(), /<title>veritrain<\/title>/);
      }
      const script = await fetch(`${url}/assets/index-abc123.js`);
      assert.equal(script.headers.get("content-type"), "text/javascript; charset=utf-8");
      assert.equal(script.headers.get("cache-control"), "public, max-age=31536000, immutable");
      assert.equal(await script.text(), "console.log(1);");
      assert.equal((await fetch(`${url}/assets/kernel.wasm`)).headers.get("content-type"), "application/wasm");
      assert.equal((await fetch(`${url}/assets/missing.js`)).status, 404);
    });

    it("refuses every path out of the app's directory", async () => {
      for (const path of ["/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt", "/..%5csecret.txt/../../secret.txt"]) {
        const { status, body } = await rawGet(path);
        assert.equal(status, 403, path);
        assert.doesNotMatch(body, /not for the browser/, path);
      }
    });
  });

  it("lists every flag in `veritrain gateway --help`", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [cli, "gateway", "--help"], { encoding: "utf8" });
    for (const flag of ["--http-port", "--port", "--peer", "--fetch-timeout", "--app", "--subgraph-url", "--public-rpc-url", "--chain-name", "--dev-wallet"]) assert.match(stdout, new RegExp(`${flag}\\b`), flag);
    assert.match(stdout, /Key: none needed/);
  });
});

describe("veritrain gateway, as a process", { timeout: 120_000 }, () => {
  it("refuses --app without --subgraph-url before it starts anything", async () => {
    const run = promisify(execFile)(process.execPath, [cli, "gateway", "--app", tmpdir()], { encoding: "utf8" });
    await assert.rejects(run, (error: { code: number; stderr: string }) => error.code === 1 && /error \[CLI_ARGUMENT_INVALID\]: --app needs --subgraph-url/.test(error.stderr));
  });

  describe("when a chain answers", () => {
    let chain: LocalChain;
    let root: string;
    before(async () => {
      chain = await startLocalChain();
      root = await mkdtemp(join(tmpdir(), "veritrain-gateway-cli-"));
    });
    after(async () => {
      await chain?.close();
      await rm(root, { recursive: true, force: true });
    });

    it("runs without a key as the devnet starts it: config.json from the chain and the deployment, the app, a job keeper's blocks; stops on SIGTERM", async () => {
      const deployment = chain.writeDeployment(join(root, "deployed_addresses.json"));
      await mkdir(join(root, "app"));
      await writeFile(join(root, "app", "index.html"), "<title>veritrain</title>");
      const jobKeeper = await createHeliaContentStore({ directory: join(root, "job-keeper"), listen: true });
      const published = await jobKeeper.put(text("weights published by the job keeper"));
      const { VERITRAIN_PRIVATE_KEY: _, ...env } = process.env;
      const subgraphUrl = "http://127.0.0.1:8546/subgraphs/name/veritrain";
      const args = ["--rpc-url", chain.rpcUrl, "--deployment", deployment, "--data-dir", join(root, "gateway"), "gateway", "--http-port", String(CLI_PORT), "--dev-wallet"];
      const gateway = spawn(process.execPath, [cli, ...args, "--app", join(root, "app"), "--subgraph-url", subgraphUrl, "--peer", jobKeeper.multiaddrs()[0]!.toString()], { env, stdio: ["ignore", "pipe", "ignore"] });
      try {
        const [line] = await once(createInterface({ input: gateway.stdout! }), "line");
        assert.deepEqual(JSON.parse(line as string), { url: `http://127.0.0.1:${CLI_PORT}` });
        const config = (await (await fetch(`http://127.0.0.1:${CLI_PORT}/config.json`)).json()) as AppConfig;
        assert.deepEqual(
          [config.chainId, config.chainName, config.rpcUrl, config.subgraphUrl, config.ipfsApiUrl, config.devWallet],
          [31337, "veritrain devnet", chain.rpcUrl, subgraphUrl, `http://127.0.0.1:${CLI_PORT}`, true],
        );
        assert.deepEqual(config.addresses.JobRegistry, chain.addresses.JobRegistry);
        assert.equal((await fetch(`http://127.0.0.1:${CLI_PORT}/healthz`)).status, 200);
        assert.match(await (await fetch(`http://127.0.0.1:${CLI_PORT}/`)).text(), /<title>veritrain<\/title>/);
        const block = await fetch(`http://127.0.0.1:${CLI_PORT}/ipfs/${published}?format=raw`);
        assert.equal(await block.text(), "weights published by the job keeper", "fetched from the --peer over bitswap");
      } finally {
        gateway.kill("SIGTERM");
        await jobKeeper.close();
      }
      const [code] = await once(gateway, "exit");
      assert.equal(code, 0);
    });
  });
});

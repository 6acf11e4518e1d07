import type { Logger } from "pino";
import type { ContentStore } from "../content/contentStore.ts";
import type { RoleHealth } from "../runtime/roleHealth.ts";
import { serveHttp, type HttpRoute, type HttpServer } from "../runtime/serveHttp.ts";
import type { AppConfig } from "./appConfig.ts";
import type { contentPeerDialer } from "./contentPeerDialer.ts";
import { appFilesRoute } from "./appFilesRoute.ts";
import { blockPutRoute } from "./blockPutRoute.ts";
import { rawBlockRoute } from "./rawBlockRoute.ts";

/** Parameters of {@link startGateway}. */
export type StartGatewayParameters = {
  /** HTTP port on 127.0.0.1: the one `appConfig`'s IPFS URLs name. */
  port: number;
  /** The gateway's content store, dialed to the job keepers. */
  store: ContentStore;
  /** Served as `GET /config.json`. */
  appConfig: AppConfig;
  /** The built app's directory, served at `/`; none: no app, only the APIs. */
  appDirectory?: string;
  /** How long `GET /ipfs/<cid>` looks for a block. */
  fetchTimeoutMs: number;
  /** (Re)connects to the peers that may hold a block the gateway lacks ({@link contentPeerDialer}). */
  reachPeers: () => Promise<void>;
  /** Served at `GET /healthz`; `ok` once listening. */
  health: RoleHealth;
  log: Logger;
};

/**
 * The content gateway between the browser and the keepers' IPFS network, on 127.0.0.1 with CORS
 * open to any origin: `GET /ipfs/<cid>?format=raw` ({@link rawBlockRoute}), `POST
 * /api/v0/block/put` ({@link blockPutRoute}), `GET /config.json`, `GET /healthz`, and the app's
 * files ({@link appFilesRoute}) when there is an app.
 *
 * @example
 * const server = await startGateway({ port: 8573, store, appConfig, appDirectory: "app/dist", fetchTimeoutMs: 30_000, reachPeers, health, log });
 * runtime.defer(() => server.close());
 */
export async function startGateway({ port, store, appConfig, appDirectory, fetchTimeoutMs, reachPeers, health, log }: StartGatewayParameters): Promise<HttpServer> {
  const routes: Record<string, HttpRoute> = {
    "GET /config.json": () => ({ status: 200, body: appConfig }),
    "GET /ipfs/*": rawBlockRoute({ store, fetchTimeoutMs, reachPeers }),
    "POST /api/v0/block/put": blockPutRoute({ store, log }),
    ...(appDirectory === undefined ? {} : { "GET /*": appFilesRoute({ directory: appDirectory }) }),
  };
  const server = await serveHttp({ port, health, routes, cors: true, log });
  health.update({ phase: "following" });
  log.info({ url: server.url, appDirectory }, "gateway listening");
  return server;
}

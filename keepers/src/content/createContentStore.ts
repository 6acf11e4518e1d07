import { VeritrainError } from "../errors.ts";
import type { ContentStore } from "./contentStore.ts";
import { createHeliaContentStore, type HeliaContentStoreParameters } from "./heliaContentStore.ts";
import { createKuboContentStore } from "./kuboContentStore.ts";
import { createPinningServiceContentStore } from "./pinningServiceContentStore.ts";

/** Environment variable read for the pinning service token when the config has none. */
export const PINNING_TOKEN_ENV = "VERITRAIN_PINNING_TOKEN";

/** Configuration of {@link createContentStore}: which backend, and what it needs. */
export type ContentStoreConfig =
  | ({ backend: "helia" } & HeliaContentStoreParameters)
  | { backend: "kubo"; url: string; timeoutMs?: number }
  | {
      backend: "pinning";
      /** Pinning Service API base URL. */
      endpointUrl: string;
      /** Bearer token; defaults to `$VERITRAIN_PINNING_TOKEN`. Prefer the environment over config files. */
      accessToken?: string;
      /** The local Helia node that holds and serves the bytes to the service. */
      local: HeliaContentStoreParameters;
      /** Public multiaddrs of the local node to advertise as pin `origins`; defaults to its listen addresses. */
      origins?: string[];
    };

/** Parameters of {@link createContentStore}. */
export type CreateContentStoreParameters = {
  config: ContentStoreConfig;
  /** Where `accessToken` defaults come from; `process.env` unless a test passes its own. */
  env?: Readonly<Record<string, string | undefined>>;
};

/**
 * Builds the configured {@link ContentStore}. The embedded Helia node is the default backend;
 * `kubo` talks to an existing Kubo node; `pinning` adds remote pinning on top of a local
 * Helia node. Throws `CONTENT_STORE_CONFIG_INVALID` naming the missing or bad field.
 *
 * @example
 * const store = await createContentStore({ config: { backend: "helia", directory: "./.veritrain/ipfs", listen: true } });
 */
export async function createContentStore({ config, env = process.env }: CreateContentStoreParameters): Promise<ContentStore> {
  const backend: unknown = (config as { backend?: unknown }).backend;
  switch (config.backend) {
    case "helia":
      requireField(config.directory, "directory", "helia");
      return createHeliaContentStore(config);
    case "kubo":
      requireUrl(config.url, "url", "kubo");
      return createKuboContentStore(config);
    case "pinning": {
      requireUrl(config.endpointUrl, "endpointUrl", "pinning");
      const accessToken = config.accessToken ?? env[PINNING_TOKEN_ENV];
      requireField(accessToken, `accessToken (or $${PINNING_TOKEN_ENV})`, "pinning");
      requireField(config.local?.directory, "local.directory", "pinning");
      const local = await createHeliaContentStore(config.local);
      const origins = config.origins;
      return createPinningServiceContentStore({
        endpointUrl: config.endpointUrl,
        accessToken: accessToken!,
        local,
        origins: () => origins ?? local.multiaddrs().map(String),
      });
    }
    default:
      throw new VeritrainError(`unknown content store backend ${JSON.stringify(backend)}; use "helia", "kubo" or "pinning"`, {
        code: "CONTENT_STORE_CONFIG_INVALID",
        details: { field: "backend", value: backend },
      });
  }
}

function requireField(value: string | undefined, field: string, backend: string): void {
  if (value === undefined || value === "") {
    throw new VeritrainError(`the ${backend} content store needs ${field}`, {
      code: "CONTENT_STORE_CONFIG_INVALID",
      details: { field, backend },
    });
  }
}

function requireUrl(value: string | undefined, field: string, backend: string): void {
  requireField(value, field, backend);
  let protocol: string;
  try {
    protocol = new URL(value!).protocol;
  } catch (cause) {
    throw new VeritrainError(`the ${backend} content store's ${field} is not a URL: ${JSON.stringify(value)}`, {
      code: "CONTENT_STORE_CONFIG_INVALID",
      details: { field, backend, value },
      cause,
    });
  }
  if (protocol !== "http:" && protocol !== "https:") {
    throw new VeritrainError(`the ${backend} content store's ${field} must be http(s), got ${JSON.stringify(value)}`, {
      code: "CONTENT_STORE_CONFIG_INVALID",
      details: { field, backend, value },
    });
  }
}

import type { CID } from "multiformats/cid";
import { rawBlockCid } from "../../../keepers/src/content/contentStore.ts";

/** Parameters of {@link putRawBlock}. */
export type PutRawBlockParameters = {
  /** Kubo RPC API base (the config's `ipfsApiUrl`). */
  apiUrl: string;
  bytes: Uint8Array;
  /** What the block is, for messages ("the job spec"). */
  what: string;
  signal?: AbortSignal;
};

/**
 * Stores `bytes` as one raw IPFS block through Kubo's RPC API (`POST /api/v0/block/put`,
 * raw codec, sha2-256, multipart body) and checks the CID it answers is the one computed here
 * (`rawBlockCid`), so the job names exactly the bytes that were stored.
 *
 * @example
 * const cid = await putRawBlock({ apiUrl: config.ipfsApiUrl, bytes: specBytes, what: "the job spec" });
 */
export async function putRawBlock({ apiUrl, bytes, what, signal }: PutRawBlockParameters): Promise<CID> {
  const expected = await rawBlockCid(bytes);
  const body = new FormData();
  body.append("file", new Blob([bytes as Uint8Array<ArrayBuffer>]), "block");
  const url = `${apiUrl.replace(/\/$/, "")}/api/v0/block/put?cid-codec=raw&mhtype=sha2-256`;
  let response: Response;
  try {
    response = await fetch(url, { method: "POST", body, ...(signal === undefined ? {} : { signal }) });
  } catch (cause) {
    throw new Error(`Could not store ${what}: the IPFS API at ${apiUrl} did not answer (${cause instanceof Error ? cause.message : String(cause)}).`, { cause });
  }
  if (!response.ok) throw new Error(`Could not store ${what}: the IPFS API answered ${response.status} ${(await response.text()).slice(0, 200)}`);
  const { Key } = (await response.json()) as { Key?: string; Size?: number };
  if (Key !== expected.toString()) throw new Error(`The IPFS API stored ${what} as ${Key}, expected ${expected}: it did not store these bytes as a raw block.`);
  return expected;
}

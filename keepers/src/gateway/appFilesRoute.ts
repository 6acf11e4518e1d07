import { readFile, stat } from "node:fs/promises";
import { extname, resolve, sep } from "node:path";
import { HttpError, type HttpRoute } from "../runtime/serveHttp.ts";

/** Content types of the files a Vite build of the app holds. */
const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".onnx": "application/octet-stream",
};

/** Parameters of {@link appFilesRoute}. */
export type AppFilesRouteParameters = {
  /** The built app: `index.html` and `assets/` (npm run app:build writes app/dist). */
  directory: string;
};

/**
 * `GET /*`: the files of the built app. `/` and any path without an extension that names no file
 * answer `index.html` (the app routes in the page); `/assets/*` are content-hashed by Vite, so they
 * are cached as immutable, everything else revalidated. A path that resolves outside `directory`
 * (`/../package.json`, `/%2e%2e/…`) is refused, 403 `GATEWAY_PATH_REFUSED`; a missing file is 404
 * `GATEWAY_FILE_NOT_FOUND`.
 *
 * @example
 * const routes = { "GET /*": appFilesRoute({ directory: "app/dist" }) };
 */
export function appFilesRoute({ directory }: AppFilesRouteParameters): HttpRoute {
  const root = resolve(directory);
  return async (request) => {
    const pathname = (request.url ?? "/").split("?")[0]!;
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      throw new HttpError(400, `${pathname} is not a valid URL path`, "GATEWAY_REQUEST_INVALID");
    }
    const path = resolve(root, `.${decoded}`);
    if (decoded.includes("\0") || (path !== root && !path.startsWith(`${root}${sep}`))) {
      throw new HttpError(403, `${pathname} lies outside the app`, "GATEWAY_PATH_REFUSED");
    }
    const isFile = await stat(path).then((entry) => entry.isFile(), () => false);
    if (!isFile && extname(path) !== "") throw new HttpError(404, `the app has no file ${decoded}`, "GATEWAY_FILE_NOT_FOUND");
    const file = isFile ? path : resolve(root, "index.html");
    return {
      status: 200,
      bytes: await readFile(file),
      headers: {
        "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream",
        "cache-control": decoded.startsWith("/assets/") && isFile ? "public, max-age=31536000, immutable" : "no-cache",
        "x-content-type-options": "nosniff",
      },
    };
  };
}

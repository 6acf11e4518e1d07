import { existsSync, mkdirSync } from "node:fs";
import { build } from "esbuild";
import { chromium, type Browser, type Page } from "playwright-core";
import type { Hex } from "viem";

/** Debian's Chromium (scripts/setup-chromium.sh installs it); the tests never download a browser. */
export const CHROMIUM = "/usr/bin/chromium";

/** Parameters of {@link openApp}. */
export type OpenAppParameters = {
  /** Where the app is served, e.g. the devnet gateway's `http://127.0.0.1:8573/`. */
  appUrl: string;
  /** Key of the injected EIP-6963 test wallet (none: a browser without a wallet). */
  privateKey?: Hex;
  /** RPC the test wallet sends its signed transactions to. */
  rpcUrl: string;
  chainId: number;
  /** Directory for {@link AppBrowser.shot}'s PNGs. @default app/screenshots */
  screenshots?: string;
};

/** A headless Chromium on the app. */
export type AppBrowser = { browser: Browser; page: Page; shot(name: string): Promise<void>; close(): Promise<void> };

const bundles = new Map<string, Promise<string>>();

/**
 * A `*.browser.ts` file of test/harness (type-checked against the DOM by app/tsconfig.json) with
 * what it imports, bundled by esbuild into one script to run in the page.
 */
export function bundleBrowserScript(file: string): Promise<string> {
  if (!bundles.has(file)) {
    const entry = new URL(file, import.meta.url).pathname;
    bundles.set(file, build({ entryPoints: [entry], bundle: true, write: false, format: "iife", platform: "browser", target: "es2022", logLevel: "silent" }).then(({ outputFiles }) => outputFiles[0]!.text));
  }
  return bundles.get(file)!;
}

/**
 * Opens the app in Debian's headless Chromium with, when `privateKey` is given, an injected
 * EIP-6963 wallet that signs in the page with viem (it never asks the node to sign, so it works
 * against any RPC). Page errors fail loudly: they are collected and thrown by `close()`.
 *
 * @example
 * const app = await openApp({ appUrl, privateKey, rpcUrl, chainId: 31337 });
 * await app.page.getByRole("button", { name: "Connect Test wallet" }).click();
 * await app.shot("stake");
 * await app.close();
 */
export async function openApp({ appUrl, privateKey, rpcUrl, chainId, screenshots = new URL("../../app/screenshots/", import.meta.url).pathname }: OpenAppParameters): Promise<AppBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run bash scripts/setup-chromium.sh (Debian's chromium package)`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  if (privateKey !== undefined) {
    await context.addInitScript({ content: `window.__veritrainTestWallet = ${JSON.stringify({ privateKey, rpcUrl, chainId })};\n${await bundleBrowserScript("testWallet.browser.ts")}` });
  }
  // Playwright's 30 s default: a CI run's page load from a devnet's gateway, beside another devnet, took longer.
  context.setDefaultNavigationTimeout(120_000);
  const page = await context.newPage();
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(appUrl);
  mkdirSync(screenshots, { recursive: true });
  return {
    browser,
    page,
    shot: async (name) => void (await page.screenshot({ path: `${screenshots}/${name}.png`, fullPage: true })),
    async close() {
      await browser.close();
      if (errors.length > 0) throw new Error(`the page threw: ${errors.join("; ")}`);
    },
  };
}

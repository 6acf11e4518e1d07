import { openApp, bundleBrowserScript } from "../test/harness/appBrowser.ts";
const app = await openApp({ appUrl: "http://127.0.0.1:9801/", rpcUrl: "http://127.0.0.1:8800", chainId: 31337 });
await app.page.goto(`http://127.0.0.1:9801/#/accounts/0x15d34aaf54267db7d7c367839aaf71a00a2c6a65`);
await app.page.getByTestId("account-job-row").first().waitFor();
await app.page.addScriptTag({ content: await bundleBrowserScript("accessibilityProbe.browser.ts") });
console.log("stops", await app.page.evaluate("window.__a11y.tabStops()"));
const keys = [];
for (let i = 0; i < 50; i++) { await app.page.keyboard.press("Tab"); keys.push(await app.page.evaluate("JSON.stringify(window.__a11y.focused())")); }
console.log(keys.join("\n"));
await app.close();

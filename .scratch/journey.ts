import { execFileSync } from "node:child_process";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { appJourney } from "/work/main/test/app/appJourney.ts";
import { devAccountKey } from "/work/main/keepers/src/devnet/devAccounts.ts";

const rpcUrl = "http://127.0.0.1:8800";
const key = generatePrivateKey();
execFileSync(process.execPath, ["keepers/src/cli.ts", "--rpc-url", rpcUrl, "--deployment", "/tmp/lead-devnet/deployed_addresses.json", "devnet", "fund", privateKeyToAddress(key)], { cwd: "/work/main", stdio: "inherit" });
const start = Date.now();
await appJourney({ appUrl: "http://127.0.0.1:9801/", rpcUrl, privateKey: key, provider: devAccountKey(4) });
console.log("journey ok", (Date.now() - start) / 1000, "s");

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { WagmiProvider } from "wagmi";
import { App } from "./App.tsx";
import { appChain, wagmiConfig } from "./chain/wagmiConfig.ts";
import { AppConfigContext } from "./config/appContext.ts";
import { loadAppConfig } from "./config/loadAppConfig.ts";
import "./styles.css";

const root = createRoot(document.getElementById("root")!);
try {
  const config = await loadAppConfig();
  if (config.devWallet) await import("./wallet/devWallet.ts").then(({ announceDevWallets }) => announceDevWallets({ chain: appChain(config), rpcUrl: config.rpcUrl }));
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: 1, staleTime: 500 } } });
  root.render(
    <StrictMode>
      <AppConfigContext.Provider value={config}>
        <WagmiProvider config={wagmiConfig(config)}>
          <QueryClientProvider client={queryClient}>
            <App />
          </QueryClientProvider>
        </WagmiProvider>
      </AppConfigContext.Provider>
    </StrictMode>,
  );
} catch (error) {
  root.render(<p role="alert" className="error">{error instanceof Error ? error.message : String(error)}</p>);
}

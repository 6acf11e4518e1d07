import { createContext, useContext } from "react";
import type { AppConfig } from "../../../keepers/src/gateway/appConfig.ts";

/** The loaded {@link AppConfig}, provided once by main.tsx. */
export const AppConfigContext = createContext<AppConfig | undefined>(undefined);

/** The app's configuration (chain, endpoints, addresses). */
export function useAppConfig(): AppConfig {
  const config = useContext(AppConfigContext);
  if (config === undefined) throw new Error("useAppConfig outside <AppConfigContext.Provider>");
  return config;
}

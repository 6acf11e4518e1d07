import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The app is served from any path (the devnet's gateway, an IPFS gateway, a static host): relative
// asset URLs, hash routing, and its chain, subgraph and IPFS endpoints from ./config.json at run time.
export default defineConfig({
  root: import.meta.dirname,
  base: "./",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", reportCompressedSize: false },
});

import { lazy, Suspense } from "react";
import { Link, Route, Router, Switch } from "wouter";
import { useHashLocation } from "wouter/use-hash-location";
import { useAppConfig } from "./config/appContext.ts";
import { OverviewPage } from "./pages/OverviewPage.tsx";
import { WalletBar } from "./wallet/WalletBar.tsx";

// Each page is its own chunk: the first load carries the shell and the overview only.
const StakePage = lazy(() => import("./pages/StakePage.tsx"));
const DatasetsPage = lazy(() => import("./pages/DatasetsPage.tsx"));
const DatasetPage = lazy(() => import("./pages/DatasetPage.tsx"));
const JobsPage = lazy(() => import("./pages/JobsPage.tsx"));
const PostJobPage = lazy(() => import("./pages/PostJobPage.tsx"));
const JobPage = lazy(() => import("./pages/JobPage.tsx"));
const RoundJobPage = lazy(() => import("./pages/RoundJobPage.tsx"));
const AccountPage = lazy(() => import("./pages/AccountPage.tsx"));

/**
 * The app's frame: header with navigation and the wallet, and the page the hash names
 * (hash routing, so any static host serves every page from one index.html).
 */
export function App() {
  const { chainName, chainId } = useAppConfig();
  return (
    <Router hook={useHashLocation}>
      <a className="skip" href="#main" onClick={(event) => { event.preventDefault(); document.getElementById("main")?.focus(); }}>Skip to content</a>
      <header>
        <Link href="/" className="brand">veritrain</Link>
        <nav aria-label="main">
          <Link href="/datasets">Datasets</Link>
          <Link href="/jobs">Jobs</Link>
          <Link href="/jobs/new">Post a job</Link>
          <Link href="/stake">Stake</Link>
        </nav>
        <span className="network" title={`chain ${chainId}`}>{chainName}</span>
        <WalletBar />
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<p className="loading" aria-busy="true">Loading…</p>}>
          <Switch>
            <Route path="/" component={OverviewPage} />
            <Route path="/stake" component={StakePage} />
            <Route path="/datasets" component={DatasetsPage} />
            <Route path="/datasets/:id">{({ id }) => <DatasetPage id={id} />}</Route>
            <Route path="/jobs" component={JobsPage} />
            <Route path="/jobs/new" component={PostJobPage} />
            <Route path="/jobs/:id">{({ id }) => <JobPage id={id} />}</Route>
            <Route path="/round-jobs/:id">{({ id }) => <RoundJobPage id={id} />}</Route>
            <Route path="/accounts/:address">{({ address }) => <AccountPage address={address} />}</Route>
            <Route><h1>Not found</h1><p>No page here. <Link href="/">Back to the overview</Link>.</p></Route>
          </Switch>
        </Suspense>
      </main>
    </Router>
  );
}

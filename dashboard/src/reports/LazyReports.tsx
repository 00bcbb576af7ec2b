import { useEffect, useState } from 'preact/hooks';
import type { ReportsTab } from './ReportsTab';

// The Reports tab's code (charts, tables) is fetched the first time the tab opens, so the
// Support tab's bundle does not carry it.
export function LazyReports(props: { projectId: string }) {
  const [Tab, setTab] = useState<typeof ReportsTab | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    import('./ReportsTab').then((m) => setTab(() => m.ReportsTab), () => setFailed(true));
  }, []);
  if (failed) return <main class="page"><p class="error" role="alert">The Reports tab could not be loaded; reload the page.</p></main>;
  return Tab ? <Tab projectId={props.projectId} /> : <main class="page"><p class="muted" role="status">Loading…</p></main>;
}

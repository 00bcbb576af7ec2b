import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api/errors';

/** An API error as a readable sentence; never swallowed. */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const text = error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error);
  return <p class="error" role="alert">{text}</p>;
}

/**
 * The latest value of a callback, for effects and timers that must call the current one without
 * restarting whenever the parent renders a new closure.
 */
export function useLatest<T>(value: T) {
  const latest = useRef(value);
  latest.current = value;
  return latest;
}

/** Loads once per change of deps (checked at each call site by ESLint's exhaustive-deps); `reload` fetches again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const reload = useCallback(async () => {
    setLoading(true);
    try {
      setData(await load());
      setError(null);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
    // The caller's deps, as useEffect's: exhaustive-deps checks them where useLoad is called.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(() => { void reload(); }, [reload]);
  return { data, error, loading, reload, setData };
}

/** Calls `tick` every `ms` while the page is shown (and once when it is shown again); stops on unmount. */
export function useInterval(tick: () => void, ms: number) {
  const latest = useLatest(tick);
  useEffect(() => {
    const id = setInterval(() => { if (document.visibilityState !== 'hidden') latest.current(); }, ms);
    const shown = () => { if (document.visibilityState === 'visible') latest.current(); };
    document.addEventListener('visibilitychange', shown);
    return () => { clearInterval(id); document.removeEventListener('visibilitychange', shown); };
  }, [ms, latest]);
}

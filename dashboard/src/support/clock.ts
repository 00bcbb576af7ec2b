import { useEffect, useState } from 'preact/hooks';

/** The current time, renewed every 30 s, so ages and time left move without a reload. */
export function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(id);
  }, []);
  return now;
}

import { useState } from 'preact/hooks';
import type { Page } from '../api/contract';
import { useLoad } from '../ui';
import { FormError, useAction } from './kit';

/** A cursor-paginated list: the first page loads with `deps`, older pages are appended on request. */
export function usePaged<T>(page: (cursor: string | null) => Promise<Page<T>>, deps: unknown[]) {
  const [older, setOlder] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const first = useLoad(async () => {
    const p = await page(null);
    setOlder([]);
    setCursor(p.next_cursor);
    return p;
    // The caller's deps: exhaustive-deps checks them where usePaged is called.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  const more = useAction();
  const loadMore = () => more.run(async () => {
    const p = await page(cursor);
    setOlder((items) => [...items, ...p.items]);
    setCursor(p.next_cursor);
  });
  return {
    items: [...(first.data?.items ?? []), ...older], loaded: first.data !== undefined, loading: first.loading, error: first.error,
    reload: first.reload, more: { hasMore: cursor !== null, load: loadMore, busy: more.busy, error: more.error },
  };
}

/** "Older ..." under a paged list, with its own error. */
export function MoreButton(props: { label: string; more: ReturnType<typeof usePaged>['more'] }) {
  return (
    <>
      {props.more.hasMore && <button type="button" onClick={props.more.load} disabled={props.more.busy}>{props.label}</button>}
      <FormError error={props.more.error} />
    </>
  );
}

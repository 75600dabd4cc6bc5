import { useCallback, useEffect, useRef, useState } from 'react';
import type { BridgeArg, PosternBridge } from '../../common/bridge.ts';
import type { SessionPage } from '../../common/session-types.ts';
import { messageOf } from '../logic/error-message.ts';
import { appendPage, firstPage, nextPageQuery, type LoadedSessions } from '../logic/session-pages.ts';

type ListQuery = BridgeArg<'recordings.list'>;

/**
 * The session list for a query, a page at a time: the first page whenever the query changes (or
 * on refresh), older pages on loadMore. An answer for a query that has since changed is dropped,
 * so a slow "Load more" cannot append another filter's sessions.
 */
export function useSessionPages(bridge: PosternBridge, query: ListQuery) {
  const [loaded, setLoaded] = useState<LoadedSessions>();
  const [error, setError] = useState<string>();
  const [loadingMore, setLoadingMore] = useState(false);
  const generation = useRef(0);

  const fetchPage = useCallback(async (pageQuery: ListQuery, apply: (page: SessionPage) => void) => {
    const mine = generation.current;
    try {
      const page = await bridge.call('recordings.list', pageQuery);
      if (mine === generation.current) { apply(page); setError(undefined); }
    } catch (failure) {
      if (mine === generation.current) setError(messageOf(failure));
    }
  }, [bridge]);

  const refresh = useCallback(async () => {
    generation.current += 1;
    await fetchPage(query, (page) => setLoaded(firstPage(page)));
  }, [fetchPage, query]);
  useEffect(() => { void refresh(); }, [refresh]);

  const loadMore = async () => {
    const next = nextPageQuery(query, loaded);
    if (!next || loadingMore) return;
    setLoadingMore(true);
    await fetchPage(next, (page) => setLoaded((current) => current && appendPage(current, page)));
    setLoadingMore(false);
  };

  return { sessions: loaded?.sessions, hasMore: Boolean(loaded?.next), loadingMore, error, refresh, loadMore };
}

'use client';
/**
 * Tells Heap which content the current page shows: on every page view (the
 * first render and every soft navigation, back/forward included) it calls
 * `setContentContext` and `trackContentView` from shared/browser.ts, the
 * same module as any other site.
 *
 * Exactly one "Content Viewed" per page view:
 * - a view is the content's `content_id` on a pathname; the effect re-runs only
 *   when that changes, so a re-render with a new object for the same content
 *   (router.refresh(), a parent's state) is not a view, and two pages of the
 *   same layout that reuse this component are two views;
 * - React's development StrictMode runs every effect twice (mount, cleanup,
 *   mount, in one synchronous pass): the second run finds the cleanup it
 *   follows still pending and does not track again (shared/view-once.ts);
 * - leaving the page (cleanup) clears the context, so clicks on a page without
 *   content carry none, and a page shown again (back/forward) is a new view.
 */
import {usePathname} from 'next/navigation';
import {useEffect, useEffectEvent, useState} from 'react';
import {clearContentContext, setContentContext, trackContentView} from '../../../shared/browser.ts';
import {createViewOnce} from '../../../shared/view-once.ts';

export function ContentAnalytics({content}: {content: unknown}) {
  const pathname = usePathname();
  const contentId = (content as {content_id?: unknown} | null)?.content_id;
  const view = `${String(contentId)} ${pathname}`;
  const [once] = useState(createViewOnce);
  // Reads the latest `content` without making it a dependency: only a new view re-runs the effect.
  const show = useEffectEvent((isNewView: boolean) => {
    setContentContext(content);
    if (isNewView) trackContentView(content);
  });

  useEffect(() => {
    show(once.enter(view));
    return () => {
      once.leave();
      clearContentContext();
    };
  }, [once, view]);
  return null;
}

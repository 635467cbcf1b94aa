/**
 * The example's Sanity client and queries. Pages append CONTENT_VIEW_PROJECTION
 * (from the tracking plan) to their query, as a real page does.
 *
 * Environment (read per request, server side only): SANITY_PROJECT_ID,
 * SANITY_DATASET, and SANITY_API_HOST to point the client at a Content Lake
 * stand-in (`npm run example:next` starts one with the example dataset).
 */
import {createClient, type SanityClient} from '@sanity/client';
import {CONTENT_VIEW_PROJECTION} from '../../../shared/groq.ts';

export const SANITY_API_VERSION = '2025-02-19';

export const ARTICLE_QUERY = `*[_type == "article" && slug.current == $slug][0]{title, "paragraphs": string::split(pt::text(body), "\\n\\n"), "analytics": ${CONTENT_VIEW_PROJECTION}}`;
export const ARTICLE_LIST_QUERY = `*[_type == "article" && defined(slug.current)] | order(publishedAt asc){title, "slug": slug.current}`;

export interface Article {
  title: string;
  paragraphs: string[] | null;
  /** What CONTENT_VIEW_PROJECTION fetched: hand it to <ContentAnalytics content={...} /> as it is. */
  analytics: Record<string, unknown>;
}
export interface ArticleLink {
  title: string;
  slug: string;
}

export function sanityClient(env: NodeJS.ProcessEnv = process.env): SanityClient {
  const projectId = env.SANITY_PROJECT_ID;
  if (!projectId) throw new Error('SANITY_PROJECT_ID is not set (npm run example:next sets it for the local stand-in)');
  const apiHost = env.SANITY_API_HOST;
  return createClient({
    projectId,
    dataset: env.SANITY_DATASET ?? 'production',
    apiVersion: SANITY_API_VERSION,
    useCdn: false,
    // A custom host is addressed directly; the project id travels in the X-Sanity-Project-ID header.
    ...(apiHost ? {apiHost, useProjectHostname: false} : {}),
  });
}

export const fetchArticles = (): Promise<ArticleLink[]> => sanityClient().fetch<ArticleLink[]>(ARTICLE_LIST_QUERY);
export const fetchArticle = (slug: string): Promise<Article | null> =>
  sanityClient().fetch<Article | null>(ARTICLE_QUERY, {slug});

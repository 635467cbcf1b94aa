import Link from 'next/link';
import {notFound} from 'next/navigation';
import {connection} from 'next/server';
import {fetchArticle, fetchArticles} from '../../../lib/sanity.ts';
import {ContentAnalytics} from '../../ContentAnalytics.tsx';
import {LikeButton} from '../../LikeButton.tsx';

export default async function ArticlePage({params}: {params: Promise<{slug: string}>}) {
  await connection();
  const {slug} = await params;
  const [article, articles] = await Promise.all([fetchArticle(slug), fetchArticles()]);
  if (!article) notFound();
  return (
    <article>
      <ContentAnalytics content={article.analytics} />
      <h1>{article.title}</h1>
      {(article.paragraphs ?? []).map((p) => (
        <p key={p}>{p}</p>
      ))}
      <LikeButton />
      {articles
        .filter((a) => a.slug !== slug)
        .map((a) => (
          <p key={a.slug}>
            <Link className="next" href={`/articles/${a.slug}`}>
              Next: {a.title}
            </Link>
          </p>
        ))}
    </article>
  );
}

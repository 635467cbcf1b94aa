import Link from 'next/link';
import {connection} from 'next/server';
import {fetchArticles} from '../lib/sanity.ts';

export default async function Home() {
  await connection(); // rendered per request: the content comes from the Content Lake, not the build
  const articles = await fetchArticles();
  return (
    <>
      <h1>Articles</h1>
      <ul>
        {articles.map((a) => (
          <li key={a.slug}>
            <Link href={`/articles/${a.slug}`}>{a.title}</Link>
          </li>
        ))}
      </ul>
    </>
  );
}

// The example site: a single-page app without a framework, two routes:
//   /                 the article list (no content context)
//   /articles/<slug>  one article ("Content Viewed" + its content context)
// Navigation uses the History API; links marked data-link never reload the page.
import {clearContentContext, setContentContext, trackContentView} from '/sanity-heap.js';

const app = document.getElementById('app');
/** The article list, for the "Next" links. */
let articles = [];

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  node.append(...children);
  return node;
}

async function getJson(url) {
  const response = await fetch(url);
  return response.ok ? response.json() : null;
}

/** Fetch what a route needs; nothing is rendered or tracked yet. */
async function load(path) {
  const match = path.match(/^\/articles\/([^/]+)$/);
  if (match) return {kind: 'article', article: await getJson(`/api/articles/${match[1]}`)};
  return {kind: 'home', articles: (await getJson('/api/articles')) || []};
}

function render(route) {
  if (route.kind === 'home') {
    app.replaceChildren(
      el('h1', {}, 'Articles'),
      el(
        'ul',
        {},
        ...route.articles.map((a) => el('li', {}, el('a', {href: `/articles/${a.slug}`, 'data-link': ''}, a.title))),
      ),
    );
    return;
  }
  const article = route.article;
  if (!article) {
    app.replaceChildren(el('h1', {}, 'Not found'));
    return;
  }
  const others = articles.filter((a) => a.slug !== article.analytics.slug);
  app.replaceChildren(
    el('h1', {}, article.title),
    el(
      'p',
      {class: 'meta'},
      [article.analytics.author, (article.analytics.topics || []).join(', ')].filter(Boolean).join(' · '),
    ),
    ...article.paragraphs.map((text) => el('p', {}, text)),
    el('p', {}, el('button', {id: 'like', type: 'button'}, 'Like this article')),
    el(
      'p',
      {},
      ...others.map((a) => el('a', {href: `/articles/${a.slug}`, 'data-link': '', class: 'next'}, `Next: ${a.title}`)),
    ),
  );
  document.getElementById('like').addEventListener('click', (e) => {
    e.currentTarget.textContent = 'Thanks!';
  });
}

/**
 * One route change. The order matters: the content context is set before the URL
 * changes, so the autocaptured page view of the new route already carries it;
 * "Content Viewed" carries its properties itself.
 */
async function go(path, push) {
  const route = await load(path);
  if (route.kind === 'article' && route.article) setContentContext(route.article.analytics);
  else clearContentContext();
  if (push) history.pushState(null, '', path);
  render(route);
  if (route.kind === 'article' && route.article) trackContentView(route.article.analytics);
  document.title = route.article ? route.article.title : 'Articles';
  document.body.dataset.route = path;
}

document.addEventListener('click', (e) => {
  const link = e.target instanceof Element ? e.target.closest('a[data-link]') : null;
  if (!link || e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  if (link.getAttribute('href') !== location.pathname) go(link.getAttribute('href'), true);
});
window.addEventListener('popstate', () => go(location.pathname, false));

articles = (await getJson('/api/articles')) || [];
go(location.pathname, false);

/**
 * Infinite scrolling list backed by a paginated JSON API.
 *
 * Usage:
 *   const feed = new InfiniteScroll(document.querySelector('#feed'), {
 *     endpoint: '/api/posts',
 *     render: (post) => `<article><h2>${post.title}</h2></article>`,
 *   });
 */
export class InfiniteScroll {
  constructor(container, { endpoint, render, pageSize = 20, rootMargin = '400px' }) {
    this.container = container;
    this.endpoint = endpoint;
    this.render = render;
    this.pageSize = pageSize;
    this.cursor = null;
    this.loading = false;
    this.done = false;

    this.sentinel = document.createElement('div');
    this.sentinel.className = 'scroll-sentinel';
    this.sentinel.setAttribute('aria-hidden', 'true');
    container.after(this.sentinel);

    this.observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) this.loadMore();
      },
      { rootMargin },
    );
    this.observer.observe(this.sentinel);
  }

  async loadMore() {
    if (this.loading || this.done) return;
    this.loading = true;
    this.container.setAttribute('aria-busy', 'true');

    const url = new URL(this.endpoint, window.location.origin);
    url.searchParams.set('limit', this.pageSize);
    if (this.cursor) url.searchParams.set('cursor', this.cursor);

    try {
      const res = await fetch(url, { headers: { Accept: 'application/json' } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const { items, nextCursor } = await res.json();
      const fragment = document.createDocumentFragment();
      for (const item of items) {
        const tpl = document.createElement('template');
        tpl.innerHTML = this.render(item).trim();
        fragment.append(tpl.content);
      }
      this.container.append(fragment);
      this.cursor = nextCursor;
      if (!nextCursor) this.finish();
    } catch (err) {
      console.error('infinite scroll failed:', err);
      this.sentinel.textContent = 'Could not load more items.';
    } finally {
      this.loading = false;
      this.container.removeAttribute('aria-busy');
    }
  }

  finish() {
    this.done = true;
    this.observer.disconnect();
    this.sentinel.remove();
  }
}

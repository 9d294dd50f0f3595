const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    }, { once: true });
  });

function retryAfterMs(response) {
  const header = response.headers.get('Retry-After');
  if (!header) return null;
  const seconds = Number(header);
  if (!Number.isNaN(seconds)) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

/**
 * fetch() wrapper with timeout, exponential backoff and Retry-After support.
 *
 * @param {RequestInfo} input
 * @param {RequestInit & {retries?: number, timeout?: number, backoff?: number}} init
 */
export async function fetchWithRetry(input, init = {}) {
  const { retries = 3, timeout = 10_000, backoff = 300, signal, ...rest } = init;
  let attempt = 0;

  for (;;) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error('Request timed out')), timeout);
    const onAbort = () => controller.abort(signal.reason);
    signal?.addEventListener('abort', onAbort, { once: true });

    try {
      const response = await fetch(input, { ...rest, signal: controller.signal });
      if (!RETRYABLE_STATUS.has(response.status) || attempt >= retries) {
        return response;
      }
      const wait = retryAfterMs(response) ?? backoff * 2 ** attempt;
      await sleep(wait, signal);
    } catch (err) {
      if (signal?.aborted || attempt >= retries) throw err;
      await sleep(backoff * 2 ** attempt * (0.5 + Math.random()), signal);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
    attempt += 1;
  }
}

export async function getJSON(url, init) {
  const res = await fetchWithRetry(url, { headers: { Accept: 'application/json' }, ...init });
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    throw new Error(`GET ${url} failed: ${res.status} ${res.statusText} ${text.slice(0, 200)}`);
  }
  return res.json();
}

/**
 * Timing helpers for UI event handlers.
 */

/**
 * Delay invoking `fn` until `wait` ms have elapsed since the last call.
 * @param {Function} fn
 * @param {number} wait
 * @param {{leading?: boolean}} [options]
 */
export function debounce(fn, wait = 200, { leading = false } = {}) {
  let timer = null;
  let lastArgs;
  let lastThis;

  function debounced(...args) {
    lastArgs = args;
    lastThis = this;
    const callNow = leading && timer === null;
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      if (!leading) fn.apply(lastThis, lastArgs);
    }, wait);
    if (callNow) fn.apply(lastThis, lastArgs);
  }

  debounced.cancel = () => {
    clearTimeout(timer);
    timer = null;
  };

  debounced.flush = () => {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
      fn.apply(lastThis, lastArgs);
    }
  };

  return debounced;
}

/**
 * Invoke `fn` at most once every `interval` ms. The trailing call is kept
 * so the final state is never lost.
 */
export function throttle(fn, interval = 100) {
  let last = 0;
  let trailing = null;

  return function throttled(...args) {
    const now = Date.now();
    const remaining = interval - (now - last);
    if (remaining <= 0) {
      clearTimeout(trailing);
      trailing = null;
      last = now;
      fn.apply(this, args);
    } else if (!trailing) {
      trailing = setTimeout(() => {
        last = Date.now();
        trailing = null;
        fn.apply(this, args);
      }, remaining);
    }
  };
}

/**
 * A tiny, dependency-free event emitter that works in browsers and Node.
 */
export default class Emitter {
  constructor() {
    this._events = new Map();
  }

  on(event, listener) {
    if (typeof listener !== 'function') {
      throw new TypeError('listener must be a function');
    }
    if (!this._events.has(event)) this._events.set(event, []);
    this._events.get(event).push(listener);
    return () => this.off(event, listener);
  }

  once(event, listener) {
    const wrapper = (...args) => {
      this.off(event, wrapper);
      listener.apply(this, args);
    };
    wrapper.original = listener;
    return this.on(event, wrapper);
  }

  off(event, listener) {
    const list = this._events.get(event);
    if (!list) return this;
    if (!listener) {
      this._events.delete(event);
      return this;
    }
    const idx = list.findIndex((l) => l === listener || l.original === listener);
    if (idx !== -1) list.splice(idx, 1);
    if (list.length === 0) this._events.delete(event);
    return this;
  }

  emit(event, ...args) {
    const list = this._events.get(event);
    if (!list || list.length === 0) {
      if (event === 'error') {
        throw args[0] instanceof Error ? args[0] : new Error(`Unhandled error: ${args[0]}`);
      }
      return false;
    }
    // copy so listeners removed during emit don't affect this dispatch
    for (const listener of [...list]) {
      listener.apply(this, args);
    }
    return true;
  }

  listenerCount(event) {
    return this._events.get(event)?.length ?? 0;
  }

  eventNames() {
    return [...this._events.keys()];
  }
}

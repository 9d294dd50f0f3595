'use strict';

function isPlainObject(value) {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Recursively merge `sources` into a new object. Arrays are replaced
 * unless `options.concatArrays` is set. Inputs are never mutated.
 *
 * @param {object[]} sources
 * @param {{concatArrays?: boolean}} [options]
 * @returns {object}
 */
function deepMerge(sources, options = {}) {
  const { concatArrays = false } = options;
  const result = {};

  for (const source of sources) {
    if (source == null) continue;
    if (!isPlainObject(source)) {
      throw new TypeError('deepMerge only accepts plain objects');
    }
    for (const key of Object.keys(source)) {
      if (key === '__proto__' || key === 'constructor') continue; // prototype pollution guard
      const incoming = source[key];
      const existing = result[key];

      if (isPlainObject(existing) && isPlainObject(incoming)) {
        result[key] = deepMerge([existing, incoming], options);
      } else if (concatArrays && Array.isArray(existing) && Array.isArray(incoming)) {
        result[key] = existing.concat(incoming);
      } else if (isPlainObject(incoming)) {
        result[key] = deepMerge([incoming], options);
      } else if (Array.isArray(incoming)) {
        result[key] = incoming.slice();
      } else {
        result[key] = incoming;
      }
    }
  }
  return result;
}

module.exports = { deepMerge, isPlainObject };

/**
 * Parse and build URL query strings, supporting repeated keys and
 * bracket notation for arrays (`tag[]=a&tag[]=b`).
 */

const decode = (s) => decodeURIComponent(s.replace(/\+/g, ' '));

export function parse(query) {
  const result = Object.create(null);
  const input = query.startsWith('?') ? query.slice(1) : query;
  if (!input) return result;

  for (const pair of input.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    let key = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? null : decode(pair.slice(eq + 1));
    const isArray = key.endsWith('[]');
    if (isArray) key = key.slice(0, -2);

    if (key in result) {
      const prev = result[key];
      result[key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
    } else {
      result[key] = isArray ? [value] : value;
    }
  }
  return result;
}

export function stringify(params, { arrayFormat = 'repeat', skipNull = false } = {}) {
  const parts = [];
  const enc = encodeURIComponent;

  for (const key of Object.keys(params).sort()) {
    const value = params[key];
    if (value === undefined || (skipNull && value === null)) continue;
    if (Array.isArray(value)) {
      const name = arrayFormat === 'bracket' ? `${enc(key)}[]` : enc(key);
      if (arrayFormat === 'comma') {
        parts.push(`${enc(key)}=${value.map(enc).join(',')}`);
      } else {
        for (const v of value) parts.push(v === null ? name : `${name}=${enc(v)}`);
      }
    } else if (value === null) {
      parts.push(enc(key));
    } else {
      parts.push(`${enc(key)}=${enc(String(value))}`);
    }
  }
  return parts.join('&');
}

// parse('?q=hello+world&tag=a&tag=b&flag')
//   => { q: 'hello world', tag: ['a', 'b'], flag: null }

const { deepMerge, isPlainObject } = require('./deep_merge');

describe('isPlainObject', () => {
  it('accepts object literals and null-prototype objects', () => {
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
  });

  it('rejects arrays, dates and primitives', () => {
    expect(isPlainObject([])).toBe(false);
    expect(isPlainObject(new Date())).toBe(false);
    expect(isPlainObject('x')).toBe(false);
    expect(isPlainObject(null)).toBe(false);
  });
});

describe('deepMerge', () => {
  it('merges nested objects', () => {
    const a = { server: { port: 80, host: 'localhost' }, debug: false };
    const b = { server: { port: 8080 }, debug: true };
    expect(deepMerge([a, b])).toEqual({
      server: { port: 8080, host: 'localhost' },
      debug: true,
    });
  });

  it('does not mutate its inputs', () => {
    const a = { nested: { list: [1] } };
    const b = { nested: { extra: 1 } };
    const merged = deepMerge([a, b]);
    merged.nested.list.push(2);
    expect(a).toEqual({ nested: { list: [1] } });
    expect(b).toEqual({ nested: { extra: 1 } });
  });

  it('replaces arrays by default and concatenates on request', () => {
    const a = { tags: ['a'] };
    const b = { tags: ['b'] };
    expect(deepMerge([a, b]).tags).toEqual(['b']);
    expect(deepMerge([a, b], { concatArrays: true }).tags).toEqual(['a', 'b']);
  });

  it('skips null and undefined sources', () => {
    expect(deepMerge([null, { a: 1 }, undefined])).toEqual({ a: 1 });
  });

  it('ignores __proto__ keys', () => {
    const malicious = JSON.parse('{"__proto__": {"polluted": true}}');
    deepMerge([{}, malicious]);
    expect({}.polluted).toBeUndefined();
  });

  it('throws for non-plain sources', () => {
    expect(() => deepMerge([[1, 2]])).toThrow(TypeError);
  });
});

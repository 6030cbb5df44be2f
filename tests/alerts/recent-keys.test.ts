import { describe, expect, it } from 'vitest';
import { RecentKeys } from '../../src/alerts/recent-keys.js';

describe('RecentKeys', () => {
  it('remembers keys until capacity newer keys push them out, oldest first', () => {
    const keys = new RecentKeys(3);
    for (const k of ['a', 'b', 'c']) keys.add(k);
    expect(['a', 'b', 'c'].every((k) => keys.has(k))).toBe(true);
    keys.add('d');
    expect(keys.has('a')).toBe(false);
    expect(keys.has('b')).toBe(true);
    keys.add('e');
    keys.add('f');
    expect([keys.has('b'), keys.has('c'), keys.has('d'), keys.has('e'), keys.has('f')]).toEqual([false, false, true, true, true]);
    expect(keys.size).toBe(3);
  });

  it('does not count a key twice, so a repeat does not evict anything', () => {
    const keys = new RecentKeys(2);
    keys.add('x');
    keys.add('x');
    keys.add('y');
    expect(keys.has('x') && keys.has('y')).toBe(true);
    expect(keys.size).toBe(2);
  });
});

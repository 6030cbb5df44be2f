// @ts-check
/**
 * A tiny shared state for the page's two Preact roots (the tiles above the writer's charts, the tables below):
 * one value, replaced by `set`, with a hook that re-renders on change.
 */
import { useEffect, useState } from 'preact/hooks';

/**
 * @template S
 * @typedef {{ get: () => S, set: (update: (state: S) => S) => void, subscribe: (listener: () => void) => () => void }} Store
 */

/**
 * @template S
 * @param {S} initial
 * @returns {Store<S>}
 */
export function createStore(initial) {
  let state = initial;
  /** @type {Set<() => void>} */
  const listeners = new Set();
  return {
    get: () => state,
    set(update) {
      const next = update(state);
      if (next === state) return;
      state = next;
      for (const l of [...listeners]) l();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

/**
 * @template S
 * @param {Store<S>} store
 * @returns {S}
 */
export function useStore(store) {
  const [, setTick] = useState(0);
  useEffect(() => store.subscribe(() => setTick((n) => n + 1)), [store]);
  return store.get();
}

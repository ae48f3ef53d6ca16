/**
 * A stable in-place sort for the short lists hot paths sort per call (a detector's spans for
 * one text): `Array#sort` allocates a work array per call and calls the comparator from a
 * builtin, which costs more than sorting a handful of items by insertion.
 */

/** Lists up to this long are sorted by insertion; longer ones by `Array#sort`. */
const INSERTION_SORT_MAX = 24

/**
 * Sorts `list` in place by `compare`, stably (equal items keep their order), as
 * `list.sort(compare)` would: both sorts are stable, so the result is the same.
 *
 * @example
 * ```ts
 * const spans = [{ start: 4 }, { start: 1 }]
 * sortStable(spans, (a, b) => a.start - b.start) // [{ start: 1 }, { start: 4 }]
 * ```
 */
export function sortStable<T>(list: T[], compare: (a: T, b: T) => number): T[] {
  const n = list.length
  if (n > INSERTION_SORT_MAX) return list.sort(compare)
  for (let i = 1; i < n; i++) {
    const item = list[i] as T
    let j = i
    // Strictly after: an equal item stays behind the one before it.
    while (j > 0 && compare(list[j - 1] as T, item) > 0) {
      list[j] = list[j - 1] as T
      j--
    }
    list[j] = item
  }
  return list
}

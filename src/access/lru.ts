/** A bounded least-recently-used map; a Map keeps insertion order, so the first key is oldest. */
export class Lru<K, V> {
  readonly #max: number
  readonly #map = new Map<K, V>()

  /** @param max - entries kept; 0 disables caching. */
  constructor(max: number) {
    this.#max = Math.max(0, Math.floor(max))
  }

  /** The value for `key`, marking it most recently used. */
  get(key: K): V | undefined {
    const v = this.#map.get(key)
    if (v === undefined) return undefined
    this.#map.delete(key)
    this.#map.set(key, v)
    return v
  }

  /** Stores `value`, evicting the least recently used entry when full. */
  set(key: K, value: V): void {
    if (this.#max === 0) return
    this.#map.delete(key)
    this.#map.set(key, value)
    if (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next()
      if (oldest.done !== true) this.#map.delete(oldest.value)
    }
  }

  /** Drops every entry. */
  clear(): void {
    this.#map.clear()
  }

  /** Entries held. */
  get size(): number {
    return this.#map.size
  }
}

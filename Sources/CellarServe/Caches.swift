import Foundation

/// A least-recently-used map with a cost budget; thread-safe.
// @unchecked Sendable: `entries`, `order` and `total` are read and written only under `lock`.
final class LRU<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: (value: Value, cost: Int, tick: UInt64)] = [:]
    private var tick: UInt64 = 0
    private var total = 0
    private let budget: Int

    /// `budget`: the most total cost kept (an entry costing more is not kept at all).
    init(budget: Int) { self.budget = budget }

    func get(_ key: String) -> Value? {
        lock.lock()
        defer { lock.unlock() }
        guard var entry = entries[key] else { return nil }
        tick += 1
        entry.tick = tick
        entries[key] = entry
        return entry.value
    }

    /// Stores `value`, evicting the least recently used entries over budget. O(entries) per eviction.
    func set(_ key: String, _ value: Value, cost: Int) {
        guard cost <= budget else { return }
        lock.lock()
        defer { lock.unlock() }
        tick += 1
        if let old = entries[key] { total -= old.cost }
        entries[key] = (value, cost, tick)
        total += cost
        while total > budget, let oldest = entries.min(by: { $0.value.tick < $1.value.tick }) {
            total -= oldest.value.cost
            entries[oldest.key] = nil
        }
    }
}

/// Rendered PNGs by request (field, its ingest time, every rendering parameter); cost = bytes.
typealias ByteCache = LRU<[UInt8]>

/// A few recent values by key (each costs 1).
final class ValueCache<Value: Sendable>: Sendable {
    private let lru: LRU<Value>
    init(entries: Int) { lru = LRU(budget: entries) }
    func get(_ key: String) -> Value? { lru.get(key) }
    func set(_ key: String, _ value: Value) { lru.set(key, value, cost: 1) }
}

/// Decoded source images (as 16-bit levels) by path, size and modification time, so the
/// thumbnails, crops and re-renders of one field read its files once; cost = bytes held.
final class SourceCache: Sendable {
    private let lru: LRU<SourceImage>
    init(budget bytes: Int) { lru = LRU(budget: bytes) }
    func get(_ key: String) -> SourceImage? { lru.get(key) }
    func set(_ key: String, _ value: SourceImage) {
        lru.set(key, value, cost: value.levels.count * 2 + value.cumulative.count * 4)
    }
}

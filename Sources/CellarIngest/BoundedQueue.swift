/// A first-in first-out queue between tasks with a fixed capacity: `push`
/// suspends while the queue is full (back-pressure), `pop` suspends while it
/// is empty and returns `nil` once the queue is closed and drained.
/// Any number of producers and consumers. Each operation is O(1) amortised.
public actor BoundedQueue<Element: Sendable> {
    public let capacity: Int
    private var items: [Element] = []
    private var head = 0
    private var closed = false
    private var waitingConsumers: [CheckedContinuation<Element?, Never>] = []
    private var waitingProducers: [CheckedContinuation<Void, Never>] = []

    public init(capacity: Int) {
        precondition(capacity > 0, "capacity must be positive")
        self.capacity = capacity
    }

    /// Number of queued elements.
    public var count: Int { items.count - head }

    /// Adds `element`, waiting while the queue is full. Returns `false`
    /// (dropping the element) when the queue was closed.
    @discardableResult
    public func push(_ element: Element) async -> Bool {
        while count >= capacity && !closed {
            await withCheckedContinuation { waitingProducers.append($0) }
        }
        if closed { return false }
        if !waitingConsumers.isEmpty {
            waitingConsumers.removeFirst().resume(returning: element)
            return true
        }
        items.append(element)
        return true
    }

    /// The next element, waiting while empty; `nil` when closed and drained.
    public func pop() async -> Element? {
        if count > 0 {
            let element = items[head]
            head += 1
            if head > 64 && head * 2 > items.count { items.removeFirst(head); head = 0 }
            if !waitingProducers.isEmpty { waitingProducers.removeFirst().resume() }
            return element
        }
        if closed { return nil }
        return await withCheckedContinuation { waitingConsumers.append($0) }
    }

    /// No more pushes; consumers drain what is queued, then get `nil`.
    public func close() {
        closed = true
        for consumer in waitingConsumers { consumer.resume(returning: nil) }
        waitingConsumers.removeAll()
        for producer in waitingProducers { producer.resume() }
        waitingProducers.removeAll()
    }

    /// Closes and drops everything still queued (abandoning work on shutdown).
    /// Returns the dropped elements.
    public func drain() -> [Element] {
        let rest = Array(items[head...])
        items.removeAll(); head = 0
        close()
        return rest
    }
}

import Hummingbird

/// Bounds the blocking work in flight: at most `running` jobs at once, at most `queued`
/// waiting; beyond that a request gets 503 at once instead of piling up memory.
actor Limiter {
    private let running: Int
    private let queued: Int
    private var active = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(running: Int, queued: Int) {
        self.running = running
        self.queued = queued
    }

    private func acquire() async throws {
        if active < running { active += 1; return }
        guard waiters.count < queued else {
            throw HTTPError(.serviceUnavailable, message: "the viewer is busy (\(queued) requests waiting); retry shortly")
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty { active -= 1 } else { waiters.removeFirst().resume() }
    }

    /// Runs `body` on a GCD worker once a slot is free.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await blocking(body)
    }
}

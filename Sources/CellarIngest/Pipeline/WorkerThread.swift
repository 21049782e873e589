import Foundation

/// CPU-bound work on dedicated threads, off Swift's cooperative pool.
///
/// Segmenting a field keeps a core busy for ~10 ms; doing that on the
/// cooperative pool (one thread per core) would starve the writer actor, the
/// acquisition source and progress reports. Each worker gets its own thread
/// and talks to the async world through ``awaitBlocking(_:)``.
enum WorkerThread {
    /// Runs `body` on a new thread and suspends (without blocking a pool
    /// thread) until it returns or throws.
    static func run(name: String, _ body: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            let thread = Thread {
                do {
                    try body()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = name
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Waits on the current (dedicated, non-pool) thread for an async
    /// operation. Never call it from a task on the cooperative pool.
    static func awaitBlocking<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) throws -> T {
        let result = Locked<Result<T, Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                let value = try await operation()
                result.withLock { $0 = .success(value) }
            } catch {
                result.withLock { $0 = .failure(error) }
            }
            done.signal()
        }
        done.wait()
        return try result.withLock { $0! }.get()
    }
}

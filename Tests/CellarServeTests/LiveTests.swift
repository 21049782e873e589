import CellarBench
import CellarServe
import CellarStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A blocking HTTP/1.1 GET over a plain socket to 127.0.0.1, with any Host header.
enum RawHTTP {
    struct Failure: Error, CustomStringConvertible { var description: String }

    /// The whole response (status line, headers, body) as text. Blocks a GCD thread, not one of
    /// Swift concurrency's few cooperative threads (the server under test needs those).
    static func get(_ path: String, port: Int, host: String) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try blockingGet(path, port: port, host: host) })
            }
        }
    }

    static func blockingGet(_ path: String, port: Int, host: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(description: "connect to port \(port) failed") }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n".utf8)
        guard send(fd, request, request.count, 0) == request.count else { throw Failure(description: "send failed") }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            response += buffer[0 ..< n]
        }
        return String(decoding: response, as: UTF8.self)
    }
}

@Suite("cellar serve: a real socket, live updates")
struct LiveTests {
    @Test func theChangeCounterMovesWhenAFieldIsCommittedWhileServing() async throws {
        let fixture = try await Fixture()
        try await fixture.app().test(.live) { client in
            let port = try #require(client.port)
            func version() async throws -> String {
                let response = try await RawHTTP.get("/api/changes", port: port, host: "127.0.0.1:\(port)")
                #expect(response.hasPrefix("HTTP/1.1 200"))
                return String(response[response.range(of: "\r\n\r\n")!.upperBound...])
            }
            let before = try await version()
            let again = try await version()
            #expect(again == before, "no commit, no change")
            let page = try await RawHTTP.get("/", port: port, host: "127.0.0.1:\(port)")
            #expect(page.hasPrefix("HTTP/1.1 200") && page.contains("/app.js"))
            // A writer (as `cellar watch` would) commits one more field of P1 while the viewer runs.
            let store = try Store.open(at: fixture.path, mode: .readWrite)
            let writer = try store.makeWriter(run: RunInfo(version: "test", parametersJSON: "{}", parametersHash: "t2"))
            let key = FieldKey(plate: "P1", row: 8, column: 12, site: 1)
            try await writer.submit(SyntheticField.make(key: key, cells: 7, columns: try store.featureColumns(), seed: 99))
            _ = try await writer.finish()
            try store.close()
            let after = try await version()
            #expect(after != before)
            let heatmap = try await RawHTTP.get("/api/heatmap?plate=P1", port: port, host: "127.0.0.1:\(port)")
            #expect(heatmap.contains("\"well\":\"H12\""))
        }
    }

    @Test func manyParallelSocketsWithHostileQueriesAllGetAnAnswer() async throws {
        let fixture = try await Fixture()
        try await fixture.app().test(.live) { client in
            let port = try #require(client.port)
            let paths = [
                "/api/changes", "/api/heatmap?plate=P1", "/api/plate?plate=%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                "/api/plate?plate=P1%00", "/api/image.png?plate=P1&well=A01&site=1&size=64",
                "/api/field?plate=P1&well=A01&site=99999999999999999999", "/api/cell?plate=P1&well=A01&site=1&object=3",
            ]
            // 16 client threads × 64 requests, each on its own connection (blocking sockets on GCD).
            let statuses: [String] = try await withCheckedThrowingContinuation { continuation in
                DispatchQueue.global().async {
                    let results = Collected()
                    DispatchQueue.concurrentPerform(iterations: 16) { t in
                        for i in 0 ..< 64 {
                            results.add(Result {
                                String(try RawHTTP.blockingGet(paths[(t + i) % paths.count], port: port, host: "127.0.0.1:\(port)").prefix(12))
                            })
                        }
                    }
                    continuation.resume(with: results.all())
                }
            }
            #expect(statuses.count == 16 * 64)
            let allowed: Set<String> = ["HTTP/1.1 200", "HTTP/1.1 400", "HTTP/1.1 404", "HTTP/1.1 503"]
            #expect(statuses.allSatisfy { allowed.contains($0) }, "\(Set(statuses))")
            let ok = statuses.filter { $0 == "HTTP/1.1 200" }.count
            let busy = statuses.filter { $0 == "HTTP/1.1 503" }.count
            #expect(ok + busy >= 16 * 64 * 4 / 7, "4 of the 7 paths are valid")
        }
    }
}

/// Results gathered from several threads.
// @unchecked Sendable: `items` is only touched under `lock`.
final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Result<String, any Error>] = []
    func add(_ r: Result<String, any Error>) { lock.lock(); items.append(r); lock.unlock() }
    func all() -> Result<[String], any Error> {
        lock.lock(); defer { lock.unlock() }
        return Result { try items.map { try $0.get() } }
    }
}

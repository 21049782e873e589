import CellarServe
import CellarStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("cellar serve: safe by default")
struct SecurityTests {
    /// Hostile inputs: each must be refused with its status and a message, never a 500, and
    /// the database must be unchanged afterwards.
    static let hostile: [(String, HTTPResponse.Status)] = [
        (query("/api/plate", [("plate", "../../../../etc/passwd")]), .notFound),
        (query("/api/plate", [("plate", "P1\u{0}")]), .badRequest),
        (query("/api/plate", [("plate", "' OR 1=1 --")]), .notFound),
        (query("/api/plate", [("plate", String(repeating: "A", count: 100_000))]), .badRequest),
        (query("/api/plate", []), .badRequest),
        (query("/api/heatmap", [("plate", "P1"), ("value", "Nuclei_AreaShape_Area\"); DROP TABLE cell; --")]), .notFound),
        (query("/api/heatmap", [("plate", "P1"), ("value", "cells"), ("stat", "max(1);--")]), .badRequest),
        (query("/api/heatmap", [("plate", "P1"), ("value", "id")]), .notFound),
        (query("/api/well", [("plate", "P1"), ("well", "../B03")]), .badRequest),
        (query("/api/well", [("plate", "P1"), ("well", "Z99")]), .notFound),
        (query("/api/field", [("plate", "P1"), ("well", "A01"), ("site", "99999999999999999999999")]), .badRequest),
        (query("/api/field", [("plate", "P1"), ("well", "A01"), ("site", "-1")]), .badRequest),
        (query("/api/field", [("plate", "P1"), ("well", "A01"), ("site", "7")]), .notFound),
        (query("/api/image.png", [("plate", "P1"), ("well", "A01"), ("site", "1"), ("channel", "../../../../etc/passwd")]), .notFound),
        (query("/api/image.png", [("plate", "P1"), ("well", "A01"), ("site", "1"), ("channel", "/etc/passwd")]), .notFound),
        (query("/api/image.png", [("plate", "P1"), ("well", "A01"), ("site", "1"), ("size", "1000000000")]), .badRequest),
        (query("/api/image.png", [("plate", "P1"), ("well", "A01"), ("site", "1"), ("lo", "NaN")]), .badRequest),
        (query("/api/image.png", [("plate", "P1"), ("well", "A01"), ("site", "1"), ("lo", "50"), ("hi", "10")]), .badRequest),
        (query("/api/crop.png", [("plate", "P1"), ("well", "A01"), ("site", "1"), ("object", "1e400")]), .badRequest),
        (query("/api/crop.png", [("plate", "P1"), ("well", "A01"), ("site", "1"), ("object", "99999")]), .notFound),
        (query("/api/cell", [("plate", "P1"), ("well", "A01"), ("site", "1"), ("x", "-5"), ("y", "3")]), .badRequest),
        (query("/api/gallery", [("plate", "P1"), ("well", "A01"), ("limit", "100000000")]), .badRequest),
        (query("/api/gallery", [("plate", "P1"), ("well", "A01"), ("feature", "object_number")]), .notFound),
        ("/../../etc/passwd", .notFound),
        ("/api/%2e%2e/%2e%2e/etc/passwd", .notFound),
    ]

    @Test func hostileInputsAreRefusedWithAMessage() async throws {
        let fixture = try await Fixture()
        try await fixture.app().test(.router) { client in
            for (uri, status) in Self.hostile {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == status, "\(uri.prefix(120))")
                    if response.status != .notFound || uri.hasPrefix("/api/") && uri.contains("?") {
                        let message = try response.errorMessage()
                        #expect(!message.isEmpty, "\(uri.prefix(120))")
                    }
                }
            }
            // A hostile-looking plate name that exists is served like any other.
            try await client.execute(uri: query("/api/heatmap", [("plate", Fixture.hostilePlate)]), method: .get) { response in
                #expect(response.status == .ok)
                let wells = try #require(try response.json()["wells"] as? [[String: Any]])
                #expect(wells.first?["cells"] as? Int == 5)
            }
        }
        let store = try Store.open(at: fixture.path, mode: .readOnly)
        #expect(try store.plates().reduce(0) { $0 + $1.cells } == 30 + 20 + 10 + 40 + 15 + 5)
        try store.close()
    }

    @Test func tenThousandParallelRequestsAllGetAnAnswer() async throws {
        let fixture = try await Fixture()
        try await fixture.app().test(.router) { client in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for i in 0 ..< 10_000 {
                    let uri = switch i % 4 {
                    case 0: "/api/changes"
                    case 1: "/api/heatmap?plate=P1"
                    case 2: query("/api/plate", [("plate", "x\(i)' OR '1'='1")])
                    default: "/api/cell?plate=P1&well=A01&site=1&object=\(i % 40 + 1)"
                    }
                    group.addTask { try await client.execute(uri: uri, method: .get) { $0.status } }
                }
                var out: [HTTPResponse.Status] = []
                for try await s in group { out.append(s) }
                return out
            }
            #expect(statuses.count == 10_000)
            // Answers are 200/404 or, when the queue is full, 503 — never an error of the server.
            #expect(statuses.allSatisfy { [.ok, .notFound, .serviceUnavailable].contains($0) })
            #expect(statuses.filter { $0 == .ok }.count >= 5_000 - statuses.filter { $0 == .serviceUnavailable }.count)
        }
    }

    @Test func aTokenIsCheckedOnEveryRequest() async throws {
        let fixture = try await Fixture()
        let token = "s3cret-token-0123456789"
        try await fixture.app(token: token).test(.router) { client in
            for uri in ["/", "/app.js", "/api/screen", "/api/image.png?plate=P1&well=A01&site=1"] {
                try await client.execute(uri: uri, method: .get) { #expect($0.status == .unauthorized, "\(uri)") }
                let sep = uri.contains("?") ? "&" : "?"
                try await client.execute(uri: uri + sep + "token=wrong-token-0123456789", method: .get) {
                    #expect($0.status == .unauthorized, "\(uri)")
                }
                try await client.execute(uri: uri + sep + "token=" + token, method: .get) { #expect($0.status == .ok, "\(uri)") }
                try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer " + token]) {
                    #expect($0.status == .ok, "\(uri)")
                }
            }
            // The page links its script and style with the token.
            try await client.execute(uri: "/?token=" + token, method: .get) { response in
                #expect(String(buffer: response.body).contains("/app.js?token=" + token))
            }
        }
    }

    @Test func withoutATokenOnlyLoopbackHostHeadersAreServed() async throws {
        let fixture = try await Fixture()
        // A real socket: the Host header is what a browser sends.
        try await fixture.app().test(.live) { client in
            let port = try #require(client.port)
            let evil = try await RawHTTP.get("/api/screen", port: port, host: "evil.example:\(port)")
            #expect(evil.hasPrefix("HTTP/1.1 403"), "\(evil.prefix(60))")
            for host in ["127.0.0.1:\(port)", "localhost:\(port)", "[::1]:\(port)"] {
                let ok = try await RawHTTP.get("/api/screen", port: port, host: host)
                #expect(ok.hasPrefix("HTTP/1.1 200"), "\(host): \(ok.prefix(60))")
            }
        }
    }

    @Test func anyHostButLoopbackNeedsAToken() throws {
        #expect(throws: ServeError.self) { try ServeConfiguration(databases: ["x.db"], host: "0.0.0.0").validate() }
        #expect(throws: ServeError.self) { try ServeConfiguration(databases: ["x.db"], host: "0.0.0.0", token: "short").validate() }
        #expect(throws: ServeError.self) { try ServeConfiguration(databases: [], host: "127.0.0.1").validate() }
        try ServeConfiguration(databases: ["x.db"], host: "0.0.0.0", token: "0123456789abcdef0123").validate()
        try ServeConfiguration(databases: ["x.db"]).validate()
    }

    @Test func theDatabaseIsOpenedReadOnly() async throws {
        let fixture = try await Fixture()
        let viewer = try Viewer(databases: [fixture.path])
        #expect(viewer.screens.allSatisfy { $0.store.mode == .readOnly })
        // A writer can still open it while the viewer reads (no writer lock taken).
        let writer = try Store.open(at: fixture.path, mode: .readWrite)
        try writer.close()
    }
}

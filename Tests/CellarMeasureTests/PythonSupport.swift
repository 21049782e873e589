import CellarTestSupport
import Foundation
import CellarImage

/// Runs Python cross-checks with ``TestEnvironment/python``. Tests that need it are enabled
/// when it exists or under CI (then a missing interpreter fails the test instead of skipping it).
enum PythonEnv {
    static let packageRoot = URL(fileURLWithPath: TestEnvironment.packageRoot)

    /// Run the Python tests: interpreter found, or CI (where absence must fail, not skip).
    static var enabled: Bool { TestEnvironment.python != nil || TestEnvironment.isCI }

    /// Runs `script` with `args`; returns stdout. Throws with stderr on failure.
    static func run(script: String, args: [String]) throws -> Data {
        try TestEnvironment.runPython(script, args: args)
    }

    static func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-measure-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }
}

/// Little-endian raw dumps numpy reads with `fromfile`.
enum RawFile {
    static func write<P: PixelValue>(_ img: Image<P>, to url: URL) throws {
        var d = Data(capacity: img.count * MemoryLayout<P>.size)
        img.pixels.withUnsafeBufferPointer { d.append(UnsafeRawBufferPointer($0).bindMemory(to: UInt8.self)) }
        try d.write(to: url)
    }
}

import Foundation

/// Where the tests find the package, the Python used for cross-checks and the executables
/// built beside the test bundle. One place for what every test target needs.
public enum TestEnvironment {
    /// The package root (this file is `Tests/CellarTestSupport/TestEnvironment.swift`).
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The repository's test corpus, `Tests/Corpus` (real images with their licences, and
    /// synthetic ones; see its README). Every test that reads image files reads them here.
    public static var corpus: String { packageRoot + "/Tests/Corpus" }

    /// `../shared/data` beside the package: the full dev sets, read only by the opt-in
    /// accuracy evaluations (never by `make test`).
    public static var sharedData: String { packageRoot + "/../shared/data" }

    /// Whether CI runs the tests (`CI` set): a missing optional resource such as Python
    /// must then fail the test instead of skipping it.
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] != nil }

    /// `../shared/reference` (the scikit-image reference pipeline, `score.py`,
    /// `synth_plate.py`) for the cross-check `what`, when it is beside the package.
    /// Without it: under CI, throws ``MissingReference`` (the test fails); otherwise prints
    /// one line saying what is skipped and why, and returns nil (the caller returns).
    public static func sharedReference(for what: String) throws -> String? {
        let dir = URL(fileURLWithPath: packageRoot + "/../shared/reference").standardized.path
        if FileManager.default.fileExists(atPath: dir) { return dir }
        let reason = "\(dir) not found (the project's reference scripts; not part of a clone)"
        if isCI { throw MissingReference(description: "\(what) needs \(reason); CI must run it") }
        print("skipped: \(what): \(reason)")
        return nil
    }

    /// The Python with numpy/scikit-image for cross-checks: `$CELLAR_PYTHON` when set,
    /// else `<package root>/.venv/bin/python` (made by `make test`) when it exists.
    public static var python: String? {
        if let p = ProcessInfo.processInfo.environment["CELLAR_PYTHON"], !p.isEmpty { return p }
        let venv = packageRoot + "/.venv/bin/python"
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : nil
    }

    /// The executable `name` of this package, built beside the test bundle, or the path in
    /// the environment variable `override` when set.
    public static func builtExecutable(_ name: String, override: String) -> String {
        if let env = ProcessInfo.processInfo.environment[override] { return env }
        var candidates: [String] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append((exe as NSString).deletingLastPathComponent)
        }
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append((bundle.bundlePath as NSString).deletingLastPathComponent)
        }
        candidates.append((CommandLine.arguments[0] as NSString).deletingLastPathComponent)
        for dir in candidates {
            var d = dir
            for _ in 0 ..< 4 {  // inside an .xctest bundle on macOS: walk up
                let p = d + "/" + name
                if FileManager.default.isExecutableFile(atPath: p) { return p }
                d = (d as NSString).deletingLastPathComponent
            }
        }
        return name
    }
}

/// `../shared/reference` is missing where a cross-check must run (under CI).
public struct MissingReference: Error, CustomStringConvertible {
    public let description: String
}

/// A Python cross-check that could not run or failed; says why (its stderr).
public struct PythonFailure: Error, CustomStringConvertible {
    public let description: String
}

extension TestEnvironment {
    /// Runs `python -c script args…` with `python` (default ``python``) and returns its
    /// stdout; throws ``PythonFailure`` with the stderr when it exits non-zero.
    public static func runPython(_ script: String, args: [String] = [], python: String? = nil) throws -> Data {
        guard let py = python ?? Self.python else {
            throw PythonFailure(description: "Python not found: set CELLAR_PYTHON or create \(packageRoot)/.venv (make test)")
        }
        // stderr goes to a file, so a chatty script cannot block on a full pipe.
        let errPath = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-python-\(UUID().uuidString).err").path
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: py)
        p.arguments = ["-c", script] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle(forWritingAtPath: errPath)
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
            throw PythonFailure(description: "python failed (\(p.terminationStatus)): \(err)")
        }
        return data
    }
}

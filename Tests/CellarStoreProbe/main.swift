// cellar-store-probe: a separate process for the store's tests and benchmark.
//
//   cellar-store-probe bench [--cells N] [--db PATH]      insert benchmark (prints cells/s, bytes/cell)
//   cellar-store-probe write DB FIELDS CELLS              writer that commits until killed or done
//   cellar-store-probe poll DB FIELDS                     reader polling until FIELDS fields are visible
//   cellar-store-probe hold-lock DB                       opens read-write, prints "locked", waits for stdin EOF
//   cellar-store-probe open DB rw|ro [--as-nobody]        prints "ok" or the error; exit 1 on error
import CellarBench
import CellarStore
import Foundation

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("cellar-store-probe: \(message)\n".utf8))
    exit(2)
}

func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let args = Array(CommandLine.arguments.dropFirst())
guard let command = args.first else { fail("usage: see Tests/CellarStoreProbe/main.swift") }

func option(_ name: String) -> String? {
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    return args[i + 1]
}

do {
    switch command {
    case "bench":
        let cells = option("--cells").flatMap(Int.init) ?? 1_000_000
        let result = try await StoreBenchmark.run(path: option("--db"), cells: cells)
        print(result, terminator: "")

    case "write":
        guard args.count >= 4, let fields = Int(args[2]), let cells = Int(args[3]) else { fail("write DB FIELDS CELLS") }
        let store = try Store.create(at: args[1])
        let columns = try store.featureColumns()
        let writer = try store.makeWriter(
            run: RunInfo(version: "probe", parametersJSON: "{}", parametersHash: "probe"),
            capacity: 256, maxBatchCells: 50_000)
        say("writing")
        for i in 0 ..< fields {
            let key = FieldKey(plate: "K", row: i / 240 + 1, column: (i / 10) % 24 + 1, site: i % 10 + 1)
            try await writer.submit(SyntheticField.make(key: key, cells: cells, columns: columns, seed: UInt64(i % 8)))
        }
        let summary = try await writer.finish()
        say("done \(summary.fields)")

    case "poll":
        guard args.count >= 3, let target = Int(args[2]) else { fail("poll DB FIELDS") }
        let store = try Store.open(at: args[1], mode: .readOnly)
        var polls = 0, bad = 0, partial = 0, last = 0
        // Generous: under a loaded 2-core machine the writer can need minutes; a passing run
        // stops as soon as it sees every field.
        let deadline = Date().addingTimeInterval(600)
        say("polling")
        while Date() < deadline {
            let report = try store.checkConsistency()
            polls += 1
            if !report.isConsistent { bad += 1 }
            if report.fieldsDone > 0 && report.fieldsDone < target { partial += 1 }
            last = report.fieldsDone
            if report.fieldsDone >= target { break }
        }
        say("polls=\(polls) inconsistent=\(bad) partial=\(partial) fields=\(last)")

    case "hold-lock":
        guard args.count >= 2 else { fail("hold-lock DB") }
        let store = try Store.open(at: args[1], mode: .readWrite)
        say("locked")
        _ = FileHandle.standardInput.readDataToEndOfFile()
        withExtendedLifetime(store) {}

    case "open":
        guard args.count >= 3 else { fail("open DB rw|ro [--as-nobody]") }
        if args.contains("--as-nobody") && geteuid() == 0 {
            // Root ignores directory permissions; drop to `nobody` so they apply.
            guard setgid(65534) == 0, setuid(65534) == 0 else { fail("cannot drop privileges") }
        }
        _ = try Store.open(at: args[1], mode: args[2] == "ro" ? .readOnly : .readWrite)
        say("ok")

    default:
        fail("unknown command \(command)")
    }
} catch {
    say("error: \(error)")
    exit(1)
}

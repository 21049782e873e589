import ArgumentParser
import CellarQuery
import CellarStore

extension SummaryLevel: ExpressibleByArgument {}

/// `cellar summary`: exact statistics of features per plate, well or field.
struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Statistics of features per plate, well or field (exact medians and quantiles).",
        discussion: """
            sd is the sample standard deviation; quantiles interpolate linearly (numpy/pandas); \
            mad is the unscaled median absolute deviation. Missing values are skipped.
            """ + "\n\n" + ExitStatus.help)

    @OptionGroup var database: DatabaseOptions
    @Option(name: [.customLong("features"), .customLong("feature")],
            help: ArgumentHelp("Features, comma-separated or repeated (full names, or a unique ending such as Area); --feature works too.",
                               valueName: "F[,F…]"))
    var feature: [String] = []
    @OptionGroup var selection: SelectionOptions
    @Option(help: "Group by plate, well or field.")
    var by: SummaryLevel = .well
    @Option(help: ArgumentHelp("Statistics, comma-separated: \(Statistic.allCases.map(\.rawValue).joined(separator: ",")).", valueName: "S[,S…]"))
    var stats: String = Statistic.defaults.map(\.rawValue).joined(separator: ",")
    @Flag(help: "List the feature names and exit.")
    var listFeatures = false
    @OptionGroup var output: FormatOptions

    func run() throws {
        var statistics: [Statistic] = []
        for name in stats.split(separator: ",") {
            guard let s = Statistic(rawValue: String(name).trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("unknown statistic '\(name)'; choose from \(Statistic.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            statistics.append(s)
        }
        let screen = try reportingErrors { () throws(QueryError) in try database.open(scope: MergeScope(plate: selection.plate, masks: false)) }
        if listFeatures {
            let names = try reportingErrors { () throws(QueryError) in try screen.featureColumns() }
            print(names.joined(separator: "\n"))
            return
        }
        let features = feature.flatMap { $0.split(separator: ",").map(String.init) }
        guard !features.isEmpty else { throw ValidationError("give --features NAME (see --list-features)") }
        let rows = try reportingErrors { () throws(QueryError) in
            try Summary.compute(screen, filter: selection.filter, features: features, by: by, statistics: statistics)
        }
        var columns = ["plate"]
        if by != .plate { columns.append("well") }
        if by == .field { columns.append("site") }
        var table = OutputTable(columns: columns + ["feature"] + statistics.map(\.rawValue))
        table.rows = rows.map { r in
            var row: [OutputValue] = [.text(r.plate)]
            if by != .plate { row.append(.text(r.well ?? "")) }
            if by == .field { row.append(.int(r.site ?? 0)) }
            row.append(.text(r.feature))
            for (s, v) in zip(statistics, r.values) {
                row.append(s == .count ? .int(Int(v)) : .real(v.isNaN ? nil : v))
            }
            return row
        }
        print(table.render(output.format), terminator: "")
    }
}

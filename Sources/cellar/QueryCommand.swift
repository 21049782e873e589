import ArgumentParser
import CellarQuery

/// `cellar query`: a named query from `queries/` (embedded) or a user's `.sql` file, read-only.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run a named query (see --list) or your own .sql file, read-only.",
        discussion: ExitStatus.help)

    @Argument(help: ArgumentHelp("Query name or .sql file.", valueName: "NAME|FILE.sql"))
    var query: String?
    @Option(name: .long, help: ArgumentHelp("Screen database (SQLite).", valueName: "DB"))
    var db: String?
    @Option(name: .customLong("param"), help: ArgumentHelp("Query parameter (repeatable).", valueName: "k=v"))
    var parameters: [String] = []
    @Flag(help: "List the named queries with their parameters.")
    var list = false
    @OptionGroup var output: FormatOptions

    func run() throws {
        if list || query == nil {
            for q in NamedQueries.all {
                print("\(q.name): \(q.summary)")
                for p in q.parameters { print("    --param \(p.name)=…  \(p.description)") }
            }
            if query == nil && !list { throw ValidationError("give a query name or .sql file (list above)") }
            return
        }
        guard let db else { throw ValidationError("give --db DB") }
        let result = try reportingErrors { () throws(QueryError) in
            let named = try NamedQueries.resolve(query!)
            let values = try NamedQueries.parseParameters(parameters)
            return try NamedQueries.run(try Screen.open(db), named, parameters: values)
        }
        var table = OutputTable(columns: result.columns)
        table.rows = result.rows.map { $0.map(OutputValue.init) }
        print(table.render(output.format), terminator: "")
    }
}

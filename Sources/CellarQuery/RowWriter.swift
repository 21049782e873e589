/// A metadata value of an export row.
enum MetaValue {
    case text(String)
    case int(Int)
}

/// Writes delimited (CSV, TSV) or JSON-lines rows into a `ByteSink`.
///
/// Per column it keeps the bytes that precede a value (`,` or `,"Name":`), so a row is a
/// sequence of copies and number formatting straight into the sink's buffer: one capacity
/// check per row, no allocation per value. O(columns) per row.
struct RowWriter {
    let sink: ByteSink
    let format: ExportFormat
    let columns: [String]
    /// Bytes before each column's value.
    private let prefixes: [[UInt8]]
    private let prefixBytes: [UInt8]
    private let prefixOffsets: [Int]
    private let rowEnd: [UInt8]
    private let missing: [UInt8]
    /// Upper bound of a row's bytes beyond the metadata prefix.
    private let maxRowBytes: Int

    init(sink: ByteSink, format: ExportFormat, columns: [String]) {
        self.sink = sink
        self.format = format
        self.columns = columns
        var prefixes: [[UInt8]] = []
        for (i, name) in columns.enumerated() {
            switch format {
            case .jsonl:
                prefixes.append(Array(((i == 0 ? "{" : ",") + Self.jsonString(name) + ":").utf8))
            case .tsv:
                prefixes.append(i == 0 ? [] : [UInt8(ascii: "\t")])
            default:
                prefixes.append(i == 0 ? [] : [UInt8(ascii: ",")])
            }
        }
        self.prefixes = prefixes
        prefixBytes = prefixes.flatMap { $0 }
        var offsets = [0]
        for p in prefixes { offsets.append(offsets.last! + p.count) }
        prefixOffsets = offsets
        rowEnd = format == .jsonl ? Array("}\n".utf8) : [UInt8(ascii: "\n")]
        missing = format == .jsonl ? Array("null".utf8) : []
        maxRowBytes = prefixBytes.count + 32 * columns.count + rowEnd.count
    }

    func writeHeader() throws(QueryError) {
        guard format != .jsonl else { return }
        let separator = format == .tsv ? "\t" : ","
        try sink.append(columns.map { text($0) }.joined(separator: separator) + "\n")
    }

    /// The bytes of the first `values.count` columns (prefixes included), to repeat per row.
    func encodePrefix(_ values: [MetaValue]) throws(QueryError) -> [UInt8] {
        var out: [UInt8] = []
        for (i, value) in values.enumerated() {
            out += prefixes[i]
            switch value {
            case .text(let s): out += Array(text(s).utf8)
            case .int(let v): out += Array(String(v).utf8)
            }
        }
        return out
    }

    /// Writes `prefix`, then `int` (if given) and `values` into the following columns.
    func writeRow(prefix: [UInt8], int: Int?, values: UnsafeBufferPointer<Double>) throws(QueryError) {
        try sink.reserve(prefix.count + maxRowBytes)
        var p = sink.buffer + sink.count
        prefix.withUnsafeBufferPointer { src in
            p.update(from: src.baseAddress!, count: src.count)
        }
        p += prefix.count
        var column = columns.count - values.count - (int == nil ? 0 : 1)
        prefixBytes.withUnsafeBufferPointer { pb in
            prefixOffsets.withUnsafeBufferPointer { po in
                missing.withUnsafeBufferPointer { miss in
                    @inline(__always) func put(_ c: Int) {
                        let start = po[c], n = po[c + 1] - start
                        for k in 0 ..< n { p[k] = pb[start + k] }
                        p += n
                    }
                    if let int {
                        put(column)
                        p += NumberFormat.write(int: int, to: p)
                        column += 1
                    }
                    for v in values {
                        put(column)
                        if v.isFinite {
                            p += NumberFormat.write(v, to: p)
                        } else {
                            for k in 0 ..< miss.count { p[k] = miss[k] }
                            p += miss.count
                        }
                        column += 1
                    }
                }
            }
        }
        for b in rowEnd { p.pointee = b; p += 1 }
        sink.count = p - sink.buffer
    }

    /// A text value: JSON string, or a CSV/TSV field (``DelimitedText``).
    func text(_ s: String) -> String {
        switch format {
        case .jsonl: return Self.jsonString(s)
        case .tsv: return DelimitedText.field(s, separator: "\t")
        default: return DelimitedText.field(s, separator: ",")
        }
    }

    static func jsonString(_ s: String) -> String { JSONText.quote(s) }
}

/// Text fields of delimited files, the one way every writer (exports, tables, `segment --csv`)
/// spells them.
public enum DelimitedText {
    /// CSV (`separator` `,`): quoted when it holds a comma, quote or line break, quotes
    /// doubled (RFC 4180). TSV (`\t`): tabs and line breaks become spaces (TSV cannot quote).
    public static func field(_ s: String, separator: Character) -> String {
        if separator == "\t" {
            guard s.contains(where: { $0 == "\t" || $0 == "\n" || $0 == "\r" }) else { return s }
            return String(s.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 })
        }
        guard s.contains(where: { $0 == separator || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

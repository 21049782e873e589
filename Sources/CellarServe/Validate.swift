import CellarQuery
import CellarStore
import Hummingbird

/// Checks of request inputs before they reach the database: lengths, characters, ranges.
/// Names still have to match the database (that lookup is the real validation).
enum Validate {
    /// Longest name (plate, feature, channel) a request may carry.
    static let maxNameLength = 256

    /// A name: 1…256 characters, no control characters (NUL included).
    static func name(_ text: String, what: String) throws {
        guard !text.isEmpty else { throw HTTPError(.badRequest, message: "give a \(what)") }
        guard text.utf8.count <= maxNameLength else {
            throw HTTPError(.badRequest, message: "\(what) name longer than \(maxNameLength) bytes")
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw HTTPError(.badRequest, message: "\(what) name contains control characters")
        }
    }

    /// A well label such as `B03` (rows A…ZZ, columns 1…9999).
    static func well(_ text: String?) throws -> WellPosition {
        guard let text, !text.isEmpty else { throw HTTPError(.badRequest, message: "give a well, e.g. well=B03") }
        guard text.utf8.count <= 8, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }),
              let p = WellPosition(parsing: text), p.column <= 9999 else {
            throw HTTPError(.badRequest, message: "well must look like B03, got '\(printable(text))'")
        }
        return p
    }

    /// A decimal integer in `range`; `fallback` when absent.
    static func integer(_ text: String?, name: String, range: ClosedRange<Int>, fallback: Int? = nil) throws -> Int {
        guard let text, !text.isEmpty else {
            if let fallback { return fallback }
            throw HTTPError(.badRequest, message: "give \(name)")
        }
        guard text.utf8.count <= 12, text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-") }), let v = Int(text),
              range.contains(v) else {
            throw HTTPError(.badRequest, message: "\(name) must be an integer in \(range.lowerBound)…\(range.upperBound), got '\(printable(text))'")
        }
        return v
    }

    /// A finite decimal number in `range`; `fallback` when absent.
    static func number(_ text: String?, name: String, range: ClosedRange<Double>, fallback: Double) throws -> Double {
        guard let text, !text.isEmpty else { return fallback }
        guard text.utf8.count <= 24, let v = Double(text), v.isFinite, range.contains(v) else {
            throw HTTPError(.badRequest, message: "\(name) must be a number in \(range.lowerBound)…\(range.upperBound), got '\(printable(text))'")
        }
        return v
    }

    /// `text` shortened to 64 characters with control characters escaped, for messages.
    static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(64) {
            if scalar.properties.generalCategory == .control { out += "\\u{\(String(scalar.value, radix: 16))}" }
            else { out.unicodeScalars.append(scalar) }
        }
        return text.unicodeScalars.count > 64 ? out + "…" : out
    }
}

extension Request {
    /// The query parameter `name`, percent-decoded.
    func query(_ name: String) -> String? {
        uri.queryParameters[name[...]].map(String.init)
    }
}

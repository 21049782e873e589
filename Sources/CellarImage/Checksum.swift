import Crypto

/// SHA-256 hex digests through swift-crypto (the one hash of the project): model files and
/// run parameters in the `run` table, pixel checksums in tests. O(bytes).
public enum Checksum {
    /// Lower-case hex SHA-256 of `bytes`.
    public static func sha256Hex(_ bytes: some Sequence<UInt8>) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(bytes))
        return hasher.finalize().map { b in b < 16 ? "0" + String(b, radix: 16) : String(b, radix: 16) }.joined()
    }
}

import Foundation

/// A float32 tensor read from a safetensors file: row-major `values` of `shape`.
public struct Tensor: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "tensor shape \(shape) != \(values.count) values")
        self.shape = shape
        self.values = values
    }
}

/// Errors reading or interpreting a model file.
public struct ModelError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The safetensors format (huggingface/safetensors): an 8-byte little-endian header
/// length N, N bytes of JSON `{"name": {"dtype", "shape", "data_offsets": [begin, end]},
/// "__metadata__": {string: string}}`, then the little-endian tensor data, offsets
/// relative to the end of the header. Reads F32 and F16 tensors (F16 widened to Float).
public enum SafeTensors {
    /// Parses `data` (a whole file). O(bytes).
    public static func parse(_ data: [UInt8]) throws(ModelError) -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard data.count >= 8 else { throw ModelError("safetensors: file shorter than its 8-byte header length") }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(data[i]) << (8 * UInt64(i)) }
        guard n <= UInt64(data.count - 8) else { throw ModelError("safetensors: header length \(n) exceeds the file") }
        let headerEnd = 8 + Int(n)
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: Data(data[8..<headerEnd])) } catch {
            throw ModelError("safetensors: header is not JSON (\(error))")
        }
        guard let header = json as? [String: Any] else { throw ModelError("safetensors: header is not a JSON object") }
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                for (k, v) in value as? [String: Any] ?? [:] { metadata[k] = v as? String ?? "\(v)" }
                continue
            }
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                  let shape = (info["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  let offsets = (info["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  offsets.count == 2
            else { throw ModelError("safetensors: bad entry for \(name)") }
            let count = shape.reduce(1, *)
            let width = dtype == "F32" ? 4 : dtype == "F16" ? 2 : 0
            guard width > 0 else { throw ModelError("safetensors: \(name) has dtype \(dtype); only F32 and F16 are read") }
            let begin = headerEnd + offsets[0], end = headerEnd + offsets[1]
            guard offsets[0] >= 0, end - begin == count * width, end <= data.count else {
                throw ModelError("safetensors: \(name) data_offsets \(offsets) do not match shape \(shape) \(dtype)")
            }
            var values = [Float](repeating: 0, count: count)
            data.withUnsafeBufferPointer { raw in
                for i in 0..<count {
                    let p = begin + i * width
                    if width == 4 {
                        let bits = UInt32(raw[p]) | UInt32(raw[p + 1]) << 8 | UInt32(raw[p + 2]) << 16 | UInt32(raw[p + 3]) << 24
                        values[i] = Float(bitPattern: bits)
                    } else {
                        values[i] = Float(Float16(bitPattern: UInt16(raw[p]) | UInt16(raw[p + 1]) << 8))
                    }
                }
            }
            tensors[name] = Tensor(shape: shape, values: values)
        }
        return (tensors, metadata)
    }

    /// Encodes float32 tensors (names sorted) and metadata as a safetensors file.
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) -> [UInt8] {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let t = tensors[name]!
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.values.count]] as [String: Any]
            offset += 4 * t.values.count
        }
        var json = [UInt8]((try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data())
        while json.count % 8 != 0 { json.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + json.count + offset)
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: UInt64(json.count) >> (8 * UInt64(i)))) }
        out += json
        for name in names {
            for v in tensors[name]!.values {
                let b = v.bitPattern
                out += [UInt8(truncatingIfNeeded: b), UInt8(truncatingIfNeeded: b >> 8),
                        UInt8(truncatingIfNeeded: b >> 16), UInt8(truncatingIfNeeded: b >> 24)]
            }
        }
        return out
    }
}

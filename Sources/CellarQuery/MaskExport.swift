import CellarImage
import CellarMeasure
import CellarStore
import Foundation

/// What `cellar masks` wrote.
public struct MaskExportResult: Sendable {
    public var objects: Int
    public var width: Int
    public var height: Int
    /// 16 or 32 for label images, 0 for COCO JSON.
    public var bits: Int
}

/// `cellar masks`: a field's label image rebuilt from the stored mask RLEs, or its objects as
/// COCO JSON with compressed RLE, in full-image coordinates.
public enum MaskExport {
    /// The field's masks and image size (from the `image` rows of the field).
    public static func masks(_ screen: Screen, field text: String) throws(QueryError) -> (masks: [CellMask], width: Int, height: Int, imageName: String?) {
        guard let key = FieldKey(parsing: text) else { throw .unknownField(text) }
        let plates = try screen.plateNames()
        guard plates.contains(key.plate) else { throw .unknownPlate(key.plate, known: plates) }
        let cells: FieldCells?
        let images: [ImageRecord]
        do {
            cells = try screen.store.cells(of: key, includeMasks: true)
            images = try screen.store.images(of: key)
        } catch {
            throw .store(error)
        }
        guard let cells else { throw .unknownField(text) }
        guard let size = images.first(where: { $0.width != nil && $0.height != nil }),
              let width = size.width, let height = size.height else {
            throw .invalidArgument("field \(key) has no image size recorded (its images could not be read); no label image to rebuild")
        }
        guard cells.masks.count == cells.objectNumbers.count else {
            throw .invalidArgument("field \(key) was stored without masks (\(cells.objectNumbers.count) cells, \(cells.masks.count) masks)")
        }
        var masks: [CellMask] = []
        masks.reserveCapacity(cells.masks.count)
        for i in 0 ..< cells.masks.count {
            let m = cells.masks[i]
            masks.append(CellMask(objectNumber: UInt32(cells.objectNumbers[i]), x: m.x, y: m.y, width: m.width,
                                  height: m.height, rle: m.rle))
        }
        let dna = images.first { $0.channel == "DNA" } ?? images.first
        return (masks, width, height, dna.map { ($0.path as NSString).lastPathComponent })
    }

    /// The label image (object numbers, 0 = background). O(pixels + mask pixels).
    public static func labelImage(_ screen: Screen, field: String) throws(QueryError) -> Image<UInt32> {
        let (masks, width, height, _) = try Self.masks(screen, field: field)
        do {
            return try LabelImage.rebuild(width: width, height: height, masks: masks)
        } catch {
            throw .invalidArgument("field \(field): stored masks are damaged (\(error))")
        }
    }

    /// Writes by extension: `.png` (16-bit), `.tif`/`.tiff` (16-bit, 32-bit when a label
    /// exceeds 65535), `.json` (COCO). O(pixels + mask pixels).
    public static func write(_ screen: Screen, field: String, to path: String) throws(QueryError) -> MaskExportResult {
        let ext = (path as NSString).pathExtension.lowercased()
        guard ["png", "tif", "tiff", "json"].contains(ext) else {
            throw .invalidArgument("--out must end in .png, .tif, .tiff or .json (COCO), got '\(path)'")
        }
        if ext == "json" {
            let (masks, width, height, name) = try Self.masks(screen, field: field)
            let json = try coco(masks: masks, width: width, height: height, fileName: name ?? field)
            guard FileManager.default.createFile(atPath: path, contents: Data(json.utf8)) else {
                throw .output(path: path, reason: "cannot create the file")
            }
            return MaskExportResult(objects: masks.count, width: width, height: height, bits: 0)
        }
        let labels = try labelImage(screen, field: field)
        let maxLabel = labels.pixels.max() ?? 0
        let objects = Set(labels.pixels).count - (labels.pixels.contains(0) ? 1 : 0)
        do {
            if maxLabel > UInt32(UInt16.max) {
                guard ext != "png" else {
                    throw QueryError.invalidArgument("field \(field) has labels up to \(maxLabel), more than a 16-bit PNG holds; write a .tif (32-bit)")
                }
                try ImageFile.writeTIFF(labels, to: path)
                return MaskExportResult(objects: objects, width: labels.width, height: labels.height, bits: 32)
            }
            var narrow = Image<UInt16>(width: labels.width, height: labels.height)
            labels.pixels.withUnsafeBufferPointer { src in
                narrow.pixels.withUnsafeMutableBufferPointer { dst in
                    for i in 0 ..< src.count { dst[i] = UInt16(truncatingIfNeeded: src[i]) }
                }
            }
            if ext == "png" { try ImageFile.writePNG(narrow, to: path) } else { try ImageFile.writeTIFF(narrow, to: path) }
        } catch let error as QueryError {
            throw error
        } catch {
            throw .output(path: path, reason: "\(error)")
        }
        return MaskExportResult(objects: objects, width: labels.width, height: labels.height, bits: 16)
    }

    /// COCO JSON: one image, one annotation per object with `segmentation` = compressed RLE
    /// (`pycocotools.mask` form), `area`, `bbox`, `category_id` 1 (`nucleus`), `iscrowd` 0,
    /// and the object's `object_number`. O(mask pixels).
    public static func coco(masks: [CellMask], width: Int, height: Int, fileName: String) throws(QueryError) -> String {
        var out = "{\"images\": [{\"id\": 1, \"width\": \(width), \"height\": \(height), \"file_name\": "
            + RowWriter.jsonString(fileName) + "}],\n\"categories\": [{\"id\": 1, \"name\": \"nucleus\"}],\n\"annotations\": ["
        for (i, mask) in masks.enumerated() {
            let rle: CocoRLE
            do {
                rle = try CocoRLE(mask: mask, imageWidth: width, imageHeight: height)
            } catch {
                throw .invalidArgument("object \(mask.objectNumber): stored mask is damaged or outside the image (\(error))")
            }
            let bbox = rle.bbox.map { NumberFormat.string($0) }.joined(separator: ", ")
            out += (i == 0 ? "\n" : ",\n")
            out += "{\"id\": \(i + 1), \"image_id\": 1, \"category_id\": 1, \"iscrowd\": 0, "
                + "\"object_number\": \(mask.objectNumber), \"area\": \(rle.area), \"bbox\": [\(bbox)], "
                + "\"segmentation\": {\"size\": [\(height), \(width)], \"counts\": " + RowWriter.jsonString(rle.counts) + "}}"
        }
        out += "\n]}\n"
        return out
    }
}

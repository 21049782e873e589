import ArgumentParser
import CellarImage
import CellarIngest
import Foundation

/// How file names map to plates, wells, sites and channels, and how files settle.
struct AcquisitionOptions: ParsableArguments {
    @Option(help: "File-name layout: auto, imagexpress, opera, yokogawa, arrayscan, incell, scanr or regex.")
    var layout: String?

    @Option(help: "Custom regex with named groups (plate, well or row+col, site, channel, z, t).")
    var pattern: String?

    @Option(help: "The well of every file, for a --pattern without a well group (e.g. B03).")
    var well: String?

    @Option(help: "Channel holding the DNA stain, as the file name says it (default: the lowest).")
    var dnaChannel: String?

    @Option(help: "Channels that make a complete field, comma-separated (default: those found).")
    var channels: String?

    @Option(help: "Plate format: 96, 384 or 1536 (for well indices such as ScanR's).")
    var plateFormat: Int?

    @Option(help: "Seconds a file's size and time must stay unchanged before it is read (poll mode, default 2).")
    var settle: Double?

    @Option(help: """
        Seconds a field may wait for more files before it is decided (default 30): while a plate's \
        channels are being learned, and for a field lacking a channel (then processed without it).
        """)
    var grace: Double?

    @Option(name: .customLong("ignore"),
            help: "Glob of paths (relative to the folder) never looked at, e.g. '*_groundtruth/*'; repeatable, added to cellar.toml's ignore.")
    var ignore: [String] = []

    @Option(help: "How a colour (RGB) image becomes one channel: red, green, blue, luminance or max (default: max).")
    var rgb: RGBConversion?

    /// Flags as settings; `cellar.toml` in the root fills what is unset.
    func settings(segmentation: SegmentationOptions) throws -> IngestSettings {
        var s = IngestSettings(segmentation: segmentation.settings)
        s.layout = layout
        s.pattern = pattern
        s.well = well
        s.dnaChannel = dnaChannel.map { ChannelID($0) }
        s.channels = channels.map { $0.split(separator: ",").map { ChannelID(String($0).trimmingCharacters(in: .whitespaces)) } }
        if let plateFormat {
            guard let format = PlateFormat(rawValue: plateFormat) else {
                throw ValidationError("--plate-format must be 96, 384 or 1536")
            }
            s.plateFormat = format
        }
        if let settle { s.settle = .milliseconds(Int64(settle * 1000)) }
        if let grace {
            guard grace >= 0 else { throw ValidationError("--grace must be ≥ 0 seconds") }
            s.grace = .milliseconds(Int64(grace * 1000))
        }
        if !ignore.isEmpty { s.ignore = ignore }
        s.rgb = rgb
        return s
    }
}

extension RGBConversion: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

/// An 8-bit RGB raster for plots (row-major, 3 bytes per pixel) with the few primitives the
/// heatmap needs. Every primitive clips to the canvas; cost O(pixels touched).
struct Canvas {
    let width: Int
    let height: Int
    var rgb: [UInt8]

    typealias Color = (UInt8, UInt8, UInt8)

    init(width: Int, height: Int, background: Color = (255, 255, 255)) {
        self.width = width
        self.height = height
        rgb = [UInt8](repeating: 0, count: width * height * 3)
        fill(x: 0, y: 0, w: width, h: height, background)
    }

    mutating func set(_ x: Int, _ y: Int, _ c: Color) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = (y * width + x) * 3
        rgb[i] = c.0; rgb[i + 1] = c.1; rgb[i + 2] = c.2
    }

    mutating func fill(x: Int, y: Int, w: Int, h: Int, _ c: Color) {
        for yy in max(0, y) ..< min(height, y + h) {
            for xx in max(0, x) ..< min(width, x + w) { set(xx, yy, c) }
        }
    }

    /// A 1-px rectangle outline.
    mutating func frame(x: Int, y: Int, w: Int, h: Int, _ c: Color) {
        fill(x: x, y: y, w: w, h: 1, c); fill(x: x, y: y + h - 1, w: w, h: 1, c)
        fill(x: x, y: y, w: 1, h: h, c); fill(x: x + w - 1, y: y, w: 1, h: h, c)
    }

    /// Calls `body(x, y)` for the pixels of a disc of diameter `d` with top-left (x, y).
    static func disc(x: Int, y: Int, d: Int, _ body: (Int, Int) -> Void) {
        let r = Double(d) / 2
        for yy in 0 ..< d {
            for xx in 0 ..< d {
                let dx = Double(xx) + 0.5 - r, dy = Double(yy) + 0.5 - r
                if dx * dx + dy * dy <= r * r { body(x + xx, y + yy) }
            }
        }
    }

    /// Draws `text` with the 5×7 font, each font pixel a `scale`×`scale` square.
    mutating func text(_ text: String, x: Int, y: Int, scale: Int, _ c: Color) {
        var cx = x
        for ch in text {
            let glyph = BitmapFont.glyph(ch)
            for (row, bits) in glyph.enumerated() {
                for col in 0 ..< BitmapFont.width where bits & (1 << (BitmapFont.width - 1 - col)) != 0 {
                    fill(x: cx + col * scale, y: y + row * scale, w: scale, h: scale, c)
                }
            }
            cx += (BitmapFont.width + 1) * scale
        }
    }
}

/// Perceptually uniform colour map (matplotlib's viridis, 33 stops, linear in between).
public enum Viridis {
    /// matplotlib's viridis at 0, 1/32, …, 1 (interpolated linearly in between: within 2 of
    /// its 256-entry table everywhere).
    static let stops: [(Double, Double, Double)] = [
        (68, 1, 84), (71, 13, 96), (72, 24, 106), (72, 35, 116), (71, 45, 123), (69, 55, 129), (66, 64, 134),
        (62, 73, 137), (59, 82, 139), (55, 91, 141), (51, 99, 141), (47, 107, 142), (44, 114, 142), (41, 122, 142),
        (38, 130, 142), (35, 137, 142), (33, 145, 140), (31, 152, 139), (31, 160, 136), (34, 167, 133), (40, 174, 128),
        (50, 182, 122), (63, 188, 115), (78, 195, 107), (94, 201, 98), (112, 207, 87), (132, 212, 75), (152, 216, 62),
        (173, 220, 48), (194, 223, 35), (216, 226, 25), (236, 229, 27), (253, 231, 37),
    ]

    /// Colour of `t` in [0, 1] (clamped).
    public static func color(_ t: Double) -> (UInt8, UInt8, UInt8) {
        let x = min(max(t.isNaN ? 0 : t, 0), 1) * Double(stops.count - 1)
        let i = min(Int(x), stops.count - 2)
        let f = x - Double(i)
        let a = stops[i], b = stops[i + 1]
        return (UInt8((a.0 + (b.0 - a.0) * f).rounded()), UInt8((a.1 + (b.1 - a.1) * f).rounded()),
                UInt8((a.2 + (b.2 - a.2) * f).rounded()))
    }
}

extension Viridis {
    /// `#rrggbb` of `t` in [0, 1] (clamped), for HTML and SVG.
    public static func hex(_ t: Double) -> String {
        let (r, g, b) = color(t)
        return "#" + [r, g, b].map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}

import Testing
@testable import CellarImage
@Test func imageFill() { let i = Image<UInt8>(width: 3, height: 2, fill: 7); #expect(i.pixels.count == 6) }

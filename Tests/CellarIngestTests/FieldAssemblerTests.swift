import Testing
@testable import CellarIngest

private func file(_ name: String, size: Int64 = 100) -> ScannedFile {
    ScannedFile(path: "/r/" + name, relativePath: name,
                fingerprint: Fingerprint(size: size, mtimeNanoseconds: 1, inode: UInt64(name.hashValue & 0xFFFF)))
}

private func add(_ a: inout FieldAssembler, _ name: String, at now: ContinuousClock.Instant, size: Int64 = 100)
    -> [AssembledField]
{
    a.add(file(name, size: size), key: Layout.imageXpress.key(for: name)!, at: now)
}

@Suite struct FieldAssemblerTests {
    let t0 = ContinuousClock.now

    @Test func configuredChannelsEmitWhenAllPresent() {
        var a = FieldAssembler(channels: ["1", "2"], grace: .seconds(30))
        #expect(add(&a, "P_A01_s1_w2.tif", at: t0).isEmpty)
        #expect(add(&a, "P_A01_s2_w1.tif", at: t0).isEmpty)
        let done = add(&a, "P_A01_s1_w1.tif", at: t0)
        #expect(done.map(\.id.description) == ["P/A01/1"])
        #expect(done.first?.dnaChannel == "1")
        #expect(done.first?.channels == ["1", "2"])
        #expect(done.first?.missingChannels == [])
        #expect(done.first?.dnaImage.relativePath == "P_A01_s1_w1.tif")
        // Same file again (scan and watcher overlap): ignored. Rewritten: handed on again.
        #expect(add(&a, "P_A01_s1_w1.tif", at: t0).isEmpty)
        #expect(add(&a, "P_A01_s1_w1.tif", at: t0, size: 200).count == 1)
        // s2 lacks channel 2: after grace it goes with missingChannels.
        #expect(a.tick(at: t0 + .seconds(29)).isEmpty)
        let late = a.tick(at: t0 + .seconds(30))
        #expect(late.map(\.id.site) == [2])
        #expect(late.first?.missingChannels == ["2"])
    }

    @Test func learnedChannelSetIsFixedAfterTheInitialScan() {
        var a = FieldAssembler(grace: .seconds(30))
        for n in ["P_A01_s1_w1.tif", "P_A01_s1_w2.tif", "P_A02_s1_w1.tif"] {
            #expect(add(&a, n, at: t0).isEmpty)  // nothing before the scan ends
        }
        let done = a.finishInitialScan(at: t0)
        #expect(done.map(\.id.wellName) == ["A01"])
        #expect(a.channelSet(forPlate: "P") == ["1", "2"])
        #expect(a.isChannelSetFixed(forPlate: "P"))
        #expect(add(&a, "P_A02_s1_w2.tif", at: t0).map(\.id.wellName) == ["A02"])
        #expect(a.pendingCount == 0 && a.emittedCount == 2)
    }

    @Test func withoutScanDataTheFirstFieldWaitsForGrace() {
        var a = FieldAssembler(grace: .seconds(10))
        #expect(a.finishInitialScan(at: t0).isEmpty)
        #expect(add(&a, "Q_B01_s1_w1.tif", at: t0).isEmpty)
        #expect(a.nextDeadline == t0 + .seconds(10))
        #expect(a.tick(at: t0 + .seconds(5)).isEmpty)
        let first = a.tick(at: t0 + .seconds(10))
        #expect(first.map(\.id.wellName) == ["B01"] && first.first?.channels == ["1"])
        // Set is now fixed at {1}: the next field goes at once.
        #expect(add(&a, "Q_B02_s1_w1.tif", at: t0 + .seconds(11)).count == 1)
    }

    @Test func learnedSetGrowsBeforeItIsFixed() {
        var a = FieldAssembler(grace: .seconds(10))
        _ = a.finishInitialScan(at: t0)
        #expect(add(&a, "Q_B01_s1_w1.tif", at: t0).isEmpty)
        #expect(add(&a, "Q_B01_s1_w2.tif", at: t0 + .seconds(1)).isEmpty)
        #expect(add(&a, "Q_B02_s1_w1.tif", at: t0 + .seconds(2)).isEmpty)
        let out = a.tick(at: t0 + .seconds(11))
        #expect(out.map(\.id.wellName) == ["B01"])         // fixed {1,2}; B02 still waits for w2
        #expect(add(&a, "Q_B02_s1_w2.tif", at: t0 + .seconds(12)).map(\.id.wellName) == ["B02"])
    }

    @Test func missingDNAIsReportedNotDropped() {
        var a = FieldAssembler(channels: ["1", "2"], grace: .seconds(5))
        #expect(add(&a, "P_C01_s1_w2.tif", at: t0).isEmpty)
        #expect(a.tick(at: t0 + .seconds(5)).isEmpty)
        #expect(a.missingDNA == [FieldID(plate: "P", row: 2, column: 0, site: 1): ["2"]])
        #expect(a.nextDeadline == nil)
        // The DNA image turns up late: handed on, report cleared.
        #expect(add(&a, "P_C01_s1_w1.tif", at: t0 + .seconds(60)).count == 1)
        #expect(a.missingDNA.isEmpty)
    }

    @Test func dnaChannelByNameThenLowest() {
        var a = FieldAssembler(channels: ["GFP", "Hoechst"])
        #expect(a.dnaChannel(forPlate: "X") == "Hoechst")
        a = FieldAssembler(channels: ["3", "2"])
        #expect(a.dnaChannel(forPlate: "X") == "2")
        a = FieldAssembler(channels: ["1", "2"], dnaChannel: "2")
        #expect(a.dnaChannel(forPlate: "X") == "2")
    }
}

import Testing
@testable import CellarIngest

@Suite struct BoundedQueueTests {
    @Test func deliversEverythingOnceInOrderPerProducer() async {
        let queue = BoundedQueue<Int>(capacity: 3)
        let consumed = await withTaskGroup(of: [Int].self) { group in
            group.addTask {
                for i in 0..<500 { await queue.push(i) }
                await queue.close()
                return []
            }
            for _ in 0..<3 {
                group.addTask {
                    var got: [Int] = []
                    while let v = await queue.pop() { got.append(v) }
                    return got
                }
            }
            var all: [[Int]] = []
            for await part in group { all.append(part) }
            return all
        }
        let flat = consumed.flatMap { $0 }
        #expect(flat.sorted() == Array(0..<500))
        for part in consumed { #expect(part == part.sorted()) }
    }

    @Test func pushWaitsWhileFull() async {
        let queue = BoundedQueue<Int>(capacity: 2)
        await queue.push(1)
        await queue.push(2)
        let producer = Task { await queue.push(3) }
        try? await Task.sleep(for: .milliseconds(50))
        #expect(await queue.count == 2)
        #expect(await queue.pop() == 1)
        _ = await producer.value
        #expect(await queue.count == 2)
        await queue.close()
        #expect(await queue.pop() == 2)
        #expect(await queue.pop() == 3)
        #expect(await queue.pop() == nil)
        #expect(await queue.push(4) == false)
    }
}

// Threads, seeds, random-number generators and memory behaviour.
import Foundation
import Testing
import TestSupport
import Torch

@Suite("Runtime", .serialized)
struct RuntimeTests {
    @Test("the intra-op thread count is what deat sets")
    func threads() {
        let previous = Runtime.threads
        defer { Runtime.threads = previous }
        Runtime.threads = 2
        #expect(Runtime.threads == 2)
        Runtime.threads = 1
        #expect(Runtime.threads == 1)
        #expect(Runtime.libtorchVersion.hasPrefix("libtorch "))
    }

    /// Runs `body` on a new thread and returns its result.
    func onNewThread(_ body: @escaping @Sendable () -> [Int]) -> [Int] {
        let box = ThreadResult()
        let thread = Thread {
            box.value = body()
            box.done.signal()
        }
        thread.start()
        box.done.wait()
        return box.value
    }

    @Test("a helper thread made serial runs libtorch's loops on one thread; the caller's and other threads' counts stay")
    func serialHelper() {
        let previous = Runtime.threads
        defer { Runtime.threads = previous }
        Runtime.threads = 2  // the process-wide count every new thread starts from
        // A new thread takes the process-wide count on its first loop; made serial, it has 1, and
        // keeps 1 after a loop that would otherwise have initialised it to 2.
        #expect(onNewThread { [Runtime.threads] } == [2])
        let serial = onNewThread { () -> [Int] in
            Runtime.makeThreadSerial()
            let before = Runtime.threads
            _ = try? (Tensor.ones([100_000]) * 2).sum().item()  // above the grain size: a parallel loop
            return [before, Runtime.threads]
        }
        #expect(serial == [1, 1])
        #expect(Runtime.threads == 2)  // the calling thread's is untouched
        #expect(onNewThread { [Runtime.threads] } == [2])  // and so is the count new threads start from
    }

    @Test("the same seed draws the same numbers; another seed draws others")
    func seeded() throws {
        let a = try Tensor.rand([8], generator: Generator(seed: 1)).floats()
        let b = try Tensor.rand([8], generator: Generator(seed: 1)).floats()
        let c = try Tensor.rand([8], generator: Generator(seed: 2)).floats()
        #expect(a == b)
        #expect(a != c)
        Runtime.manualSeed(3)
        let d = try Tensor.randn([4]).floats()
        Runtime.manualSeed(3)
        #expect(try Tensor.randn([4]).floats() == d)
        #expect(try Generator(seed: 42).seed == 42)
    }

    @Test("uniform, randint and randperm stay in range")
    func ranges() throws {
        let gen = try Generator(seed: 0)
        let u = try Tensor.uniform([1000], low: -0.5, high: 0.25, generator: gen).floats()
        #expect(u.allSatisfy { $0 >= -0.5 && $0 < 0.25 })
        #expect(u.min()! < -0.45 && u.max()! > 0.2)
        let r = try Tensor.randint(3, 7, shape: [500], generator: gen).ints()
        #expect(Set(r) == [3, 4, 5, 6])
        #expect(try Tensor.randperm(50, generator: gen).ints().sorted() == Array(0..<50))
        let coin = try Tensor.full([2000], 0.25).bernoulli(generator: gen).floats()
        #expect(coin.allSatisfy { $0 == 0 || $0 == 1 })
        #expect(abs(coin.reduce(0, +) / 2000 - 0.25) < 0.05)
    }

    @Test("resident memory stays flat over 10,000 create/free cycles")
    func noLeak() throws {
        func cycle() throws {
            let x = try Tensor.ones([1024])  // 4 KiB each
            let y = try (x * 2 + 1).sum()
            _ = try y.item()
        }
        for _ in 0..<1000 { try cycle() }  // warm up allocator caches
        // Leaking even the 4 KiB input of each cycle would add ~40 MB to every window of 10,000.
        // RSS is the whole process's, and other suites allocate in parallel: one quiet window of
        // three is enough to clear the tensors, while a leak shows in all of them.
        var growths: [Int] = []
        for _ in 0..<3 {
            let before = try residentBytes()
            for _ in 0..<10_000 { try cycle() }
            let growth = try residentBytes() - before
            growths.append(growth)
            if growth < 8 << 20 { break }
        }
        #expect(growths.contains { $0 < 8 << 20 }, "RSS grew by \(growths) bytes in each window of 10,000 cycles")
    }

    private func residentBytes() throws -> Int {
        let statm = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8)
        let pages = Int(statm.split(separator: " ")[1]) ?? 0
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

/// A helper thread's result, handed back after the semaphore.
private final class ThreadResult: @unchecked Sendable {
    var value: [Int] = []
    let done = DispatchSemaphore(value: 0)
}

// Host reads: on CUDA every device→host read waits for the GPU, so each training step may
// read exactly once — the loss, accuracy and M+ magnitude together, in one copy (summarize) — no
// matter how many replays or attack steps it runs. Counted on the CPU, where the count is the same.
import Models
import NN
import Testing
import TestSupport
import Torch
@testable import Training

@Suite("Host reads per step")
struct HostReadTests {
    @Test("every method's step reads from the device once, however many replays or attack steps it runs", arguments: MethodTests.methods.indices)
    func oneReadPerStep(index: Int) throws {
        let (name, method, _, _, _) = MethodTests.methods[index]
        let model = try SmallCNN(generator: Generator(seed: 0))
        let optimizer = try SGD(parameters: model.parameters(), learningRate: 0.05, momentum: 0.9)
        let gen = try Generator(seed: 3)
        let x = try Tensor.rand([8, 1, 28, 28], generator: gen)
        let y = try Tensor.randint(0, 10, shape: [8], generator: gen)
        let context = StepContext(
            model: model, optimizer: optimizer, inputScale: try Tensor.full([1, 1, 1, 1], 0.353), epsilon: 0.1, epoch: 0,
            generator: try Generator(seed: 4))
        let reads = try HostReads.count { _ = try method.step(images: x, labels: y, context: context) }
        #expect(reads == 1, "\(name) read \(reads) times")
    }

    @Test("the counter sees reads on its own thread only, and nested reads of any kind")
    func counter() throws {
        let t = try Tensor([1.0, 2.0])
        let reads = try HostReads.count {
            _ = try t.doubles()
            _ = try t.bytes()
            _ = try t.sum().item()
            _ = runRanks(1) { _ in (try? Tensor([3.0]).doubles()) ?? [] }  // another thread: not counted here
        }
        #expect(reads == 3)
    }
}

// Host reads: an attack's iterations never read from the device, because on CUDA each read waits
// for the GPU to finish; PGD decides everything with tensor ops and reads nothing until its caller does.
import Attacks
import Testing
import TestSupport
import Torch

@Suite("Host reads in attacks")
struct AttackHostReadTests {
    static var attacks: [any Attack] { [
        PGD(epsilon: 0.1, stepSize: 0.025, steps: 10), FGSM(epsilon: 0.1),
        PGD(epsilon: 0.1, stepSize: 0.025, steps: 10, restarts: 2, loss: .cw),
    ] }

    @Test("PGD-10 (CE, and CW with restarts) and FGSM read nothing from the device while they run", arguments: 0..<3)
    func noReads(index: Int) throws {
        let attack = Self.attacks[index]
        let model = try tinyConvNet()
        model.eval()
        let x = try boxImages(8)
        let y = try Tensor.randint(0, 10, shape: [8], generator: Generator(seed: 2))
        let reads = try HostReads.count {
            _ = try attack.perturb(model: model, images: x, labels: y, generator: Generator(seed: 5))
        }
        #expect(reads == 0, "\(attack.name) read \(reads) times")
    }
}

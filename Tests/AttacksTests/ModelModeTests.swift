// The attack contract's mode handling: the model runs in the requested mode and gets its own back.
import Attacks
import Models
import NN
import Testing
import Torch

@Suite("Model mode during attacks")
struct ModelModeTests {
    @Test("withMode sets the mode for the body and restores it, also after an error")
    func restore() throws {
        let model = try SmallCNN(generator: Generator(seed: 0))
        model.train()
        let inside = model.withMode(.eval) { model.training || model.conv1.training }
        #expect(!inside)
        #expect(model.training && model.conv1.training)
        struct Boom: Error {}
        model.eval()
        #expect(throws: Boom.self) { try model.withMode(.train) { throw Boom() } }
        #expect(!model.training && !model.fc.training)
    }
}

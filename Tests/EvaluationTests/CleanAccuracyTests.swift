// Clean accuracy: counts argmax hits in batches, in eval mode, without touching the mode it found.
import Evaluation
import Models
import NN
import Testing
import Torch

@Suite("Clean accuracy")
struct CleanAccuracyTests {
    @Test("correctCount equals a direct count, for any batch size, and restores train mode")
    func counts() throws {
        let model = try SmallCNN(generator: Generator(seed: 0))
        let images = try Tensor.rand([37, 1, 28, 28], generator: Generator(seed: 1))
        model.eval()
        let predictions = try withNoGrad { try model(images).argmax(dim: 1) }
        let labels = try Tensor.randint(0, 10, shape: [37], generator: Generator(seed: 2))
        let labelsHalfRight = try Tensor.where(Tensor.arange(0, 37).lt(18), predictions, labels)
        let expected = try Int(predictions.eq(labelsHalfRight).sum().item())
        model.train()
        for batch in [1, 5, 37, 100] {
            #expect(try correctCount(model: model, images: images, labels: labelsHalfRight, batchSize: batch) == expected)
        }
        #expect(expected >= 18)
        #expect(model.training)
    }
}

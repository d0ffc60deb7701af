// TrainingConfig's typed settings: a checkpoint written before a setting existed decodes to the
// setting's default (not to a nil tri-state), and a config survives its own JSON unchanged.
import DataFormats
import Datasets
import Foundation
import Models
import Testing
import Training

struct TrainingConfigTests {
    /// A config as checkpoints stored it before keepEpochs, worldSize, channelsLast, autocast, setting,
    /// lrMilestones, overfittingGuard, rotation, weightAveraging and labelSmoothing existed.
    static let oldJSON = """
        {"method":"mplus-deat","model":"wide-resnet-34-10","dataset":"cifar10","dataDirectory":"/d","epochs":3,
         "batchSize":128,"epsilon":0.031,"alpha":0.039,"gamma":1.01,"iterations":8,"linearEvery":3,"beta":6,
         "magnitudeSource":"last-attack-step","learningRate":0.05,"schedule":"multistep","momentum":0.9,
         "weightDecay":0.0005,"seed":4,"augment":true,"validationSize":100,"validationSteps":10,"checkpointMinutes":10}
        """

    @Test("a config written before the later settings decodes them as their defaults, with typed model and dataset")
    func oldCheckpointConfigDecodes() throws {
        let config = try JSONDecoder().decode(TrainingConfig.self, from: Data(Self.oldJSON.utf8))
        #expect(config.model == .wideResNet(depth: 34, widen: 10))
        #expect(config.dataset == .cifar10)
        #expect(config.keepEpochs == false)
        #expect(config.worldSize == 1)
        #expect(config.channelsLast == false)
        #expect(config.autocast == .fp32)
        #expect(config.convolutions == .direct)
        // Written before the settings, the milestones and the overfitting guard: Table 1's run.
        #expect(config.setting == .standard)
        #expect(config.lrMilestones == .halfAndFourFifths)
        #expect(config.overfittingGuard == false)
        #expect(config.rotation == 0 && config.augmentation == .cropFlip(padding: 4))
        // Trained before weight averaging and label smoothing: neither.
        #expect(config.weightAveraging == 0 && config.labelSmoothing == 0)
        // Equal to the same settings made today, so `--resume` accepts the old run.
        var today = TrainingConfig.defaults(method: .mplusDEAT, dataset: .cifar10, epsilon: 0.031)
        (today.model, today.dataDirectory, today.epochs, today.alpha, today.seed, today.validationSize) =
            (.wideResNet(depth: 34, widen: 10), "/d", 3, 0.039, 4, 100)
        #expect(config == today)
    }

    @Test("every setting survives an encode/decode round trip", arguments: [TrainingPrecision.fp32, .bf16])
    func roundTrip(precision: TrainingPrecision) throws {
        var config = TrainingConfig.defaults(method: .trades, dataset: .fashionMNIST)
        (config.keepEpochs, config.worldSize, config.channelsLast, config.autocast) = (true, 2, true, precision)
        (config.setting, config.lrMilestones, config.overfittingGuard, config.rotation) = (.fast, .epochs([3, 7]), true, 12.5)
        (config.weightAveraging, config.labelSmoothing, config.convolutions) = (0.9995, 0.1, .winograd)
        let decoded = try JSONDecoder().decode(TrainingConfig.self, from: JSONEncoder().encode(config))
        #expect(decoded == config)
    }

    @Test("a training state saved before the overfitting guard existed decodes as never checked")
    func oldTrainStateDecodes() throws {
        let state = TrainState(config: TrainingConfig.defaults(method: .fgsmRS, dataset: .fashionMNIST), policy: .fixed(1))
        var json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(state)) as? [String: Any])
        #expect(json.removeValue(forKey: "overfitting") != nil)
        let decoded = try JSONDecoder().decode(TrainState.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(decoded.overfitting == OverfittingGuardState() && !decoded.finished)
        #expect(decoded == state)
    }

    @Test("an unknown model name in a checkpoint's config is an error naming it")
    func unknownModelRefused() throws {
        let json = Self.oldJSON.replacingOccurrences(of: "wide-resnet-34-10", with: "resnet-51")
        #expect { try JSONDecoder().decode(TrainingConfig.self, from: Data(json.utf8)) } throws: { error in
            "\(error)".contains("resnet-51")
        }
    }
}

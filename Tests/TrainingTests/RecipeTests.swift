// Each method's defaults against its reference script (docs/methods.md §2.4–§2.6): the learning
// rate at the first minibatch of every epoch equals what the script's scheduler gives
// (Fixtures/recipes.json, scripts/fixtures/gen_recipes.py), and the settings set what the docs say.
import DataFormats
import Datasets
import Foundation
import Models
import Testing
@testable import Training

struct RecipeFixture: Decodable {
    struct Case: Decodable, CustomTestStringConvertible {
        let method: String, setting: String, dataset: String, model: String, script: String
        let epochs: Int, learningRate: Double, iterationsPerEpoch: Int, rates: [Double]
        var testDescription: String { "\(method) (\(setting), \(dataset), \(model)) as \(script)" }
    }
    let cases: [Case]

    static func load() throws -> [Case] {
        let url = try #require(Bundle.module.url(forResource: "recipes", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(RecipeFixture.self, from: Data(contentsOf: url)).cases
    }
}

struct RecipeTests {
    @Test("every epoch starts at the reference script's learning rate, for each method and setting", arguments: try RecipeFixture.load())
    func ratesMatchTheReference(_ reference: RecipeFixture.Case) throws {
        let method = try #require(MethodName(rawValue: reference.method))
        let dataset = try #require(DatasetName(rawValue: reference.dataset))
        let setting = try #require(TrainingSetting(rawValue: reference.setting))
        let model = try ModelKind(name: reference.model)
        let config = TrainingConfig.defaults(method: method, dataset: dataset, setting: setting, model: model)
        #expect(config.epochs == reference.epochs)
        #expect(config.learningRate == reference.learningRate)
        let schedule = Trainer.schedule(config, iterationsPerEpoch: reference.iterationsPerEpoch)
        for (epoch, expected) in reference.rates.enumerated() {
            let rate = schedule.rate(at: epoch * reference.iterationsPerEpoch)
            #expect(abs(rate - expected) <= 1e-9 * max(abs(expected), 1e-3), "epoch \(epoch): \(rate) vs \(expected)")
        }
    }

    @Test("--setting fast gives M+DEAT the FAST script's recipe: 10 epochs, cyclic 0.1, γ = 1.0, α = 12/255, no validation")
    func fastMPlusDEAT() {
        let c = TrainingConfig.defaults(method: .mplusDEAT, dataset: .cifar10, setting: .fast)
        #expect(c.setting == .fast)
        #expect((c.epochs, c.schedule, c.learningRate, c.gamma, c.iterations) == (10, .cyclic, 0.1, 1.0, 8))
        #expect(abs(c.alpha - 12.0 / 255) < 1e-15)
        #expect(c.validationSize == 0)
        #expect(c.overfittingGuard == false)
        let d = TrainingConfig.defaults(method: .deat, dataset: .cifar10, setting: .fast)
        #expect((d.epochs, d.linearEvery, d.iterations, d.schedule) == (12, 3, 5, .cyclic))
    }

    @Test("--setting standard validates on 20 test batches of 128 on CIFAR, and FGSM-RS always runs train_fgsm.py's recipe with its guard")
    func standardSetting() {
        let c = TrainingConfig.defaults(method: .mplusDEAT, dataset: .cifar10)
        #expect((c.setting, c.epochs, c.schedule, c.learningRate, c.validationSize) == (.standard, 50, .multistep, 0.05, 2560))
        let f = TrainingConfig.defaults(method: .fgsmRS, dataset: .cifar10)
        #expect((f.epochs, f.schedule, f.learningRate, f.overfittingGuard) == (15, .cyclic, 0.2, true))
        #expect(abs(f.alpha - 1.25 * 8 / 255) < 1e-15)
        #expect(TrainingConfig.defaults(method: .mplusDEAT, dataset: .cifar100).model == .wideResNet(depth: 34, widen: 10))
    }

    @Test("CIFAR-100's standard recipe rotates by up to 15° after crop and flip (mdeat_cifar100.py); nothing else rotates")
    func cifar100Rotates() {
        for method in [MethodName.mplusDEAT, .pgd, .trades] {
            let c = TrainingConfig.defaults(method: method, dataset: .cifar100)
            #expect(c.augmentation == .cropFlip(padding: 4, rotation: 15), "\(method)")
            // The FAST CIFAR-100 scripts' utils.py crops and flips only.
            #expect(TrainingConfig.defaults(method: method, dataset: .cifar100, setting: .fast).augmentation == .cifar)
            #expect(TrainingConfig.defaults(method: method, dataset: .cifar10).augmentation == .cifar)
            #expect(TrainingConfig.defaults(method: method, dataset: .fashionMNIST).augmentation == Augmentation.none)
        }
    }

    @Test("milestone epochs follow the epochs given: TRADES and MART decay at the same fraction of the run as at 50 epochs")
    func milestonesFollowEpochs() {
        let c = TrainingConfig.defaults(method: .trades, dataset: .cifar10, epochs: 20)
        #expect(c.lrMilestones == .epochs([9, 15]))  // ⌊23·20/50⌋, ⌊38·20/50⌋
        #expect(TrainingConfig.defaults(method: .trades, dataset: .cifar10, epochs: 5).lrMilestones == .epochs([2, 3]))
        #expect(TrainingConfig.defaults(method: .mart, dataset: .cifar10, epochs: 100).lrMilestones == .epochs([48, 78]))
        #expect(TrainingConfig.defaults(method: .mplusMART, dataset: .cifar10, epochs: 21).lrMilestones == .epochs([11, 17]))
    }

    @Test("milestones read back from their text, and bad text is refused", arguments: ["1/2,4/5", "23,38", "1/2,3/4", "0"])
    func milestoneText(_ text: String) throws {
        let parsed = try #require(LearningRateMilestones(text: text))
        #expect(parsed.description == text)
        for bad in ["", "1/0", "3/2", "a,b", "1/2,30", "-1"] { #expect(LearningRateMilestones(text: bad) == nil, "\(bad)") }
    }
}

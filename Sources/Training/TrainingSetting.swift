// TrainingSetting.swift: the paper's training settings (docs/methods.md §2.6, §2.11), chosen with
// `deat train --setting` and stored in the config. A setting only supplies defaults
// (TrainingConfig+Recipes.swift); every option given explicitly still wins.

/// The paper's training settings, chosen with `deat train --setting`; a setting only supplies
/// defaults, and every option given explicitly still wins.
public enum TrainingSetting: String, Codable, Sendable, CaseIterable {
    /// Table 1: the DEAT repository's "standard training" scripts: 50 epochs, multistep lr 0.05,
    /// per-epoch validation and model selection.
    case standard
    /// The "FAST training" scripts (and fast_adversarial's): a triangular cyclic lr, 10–15 epochs,
    /// evaluated once at the end instead of selecting an epoch.
    case fast
    /// Table 7: the DEAT repository's ImageNet scripts (mdeat_imagenet.py, free_imagenet.py):
    /// ResNet-50 at 224×224, ε = 4/255, δ carried across minibatches, lr 0.1 stepped per epoch,
    /// weight decay 1e-4, batch 256, 23 epochs.
    case imagenet
}

extension SettingDefaults {
    /// The setting a checkpoint written before settings existed was trained in.
    public enum StandardSetting: SettingDefault { public static var value: TrainingSetting { .standard } }
    /// The milestones every multistep run used before they became a setting.
    public enum TableOneMilestones: SettingDefault { public static var value: LearningRateMilestones { .halfAndFourFifths } }
}

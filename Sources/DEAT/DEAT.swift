// DEAT.swift: the umbrella module. `import DEAT` brings every library a Swift user builds on —
// tensors and autograd (Torch), layers and optimisers (NN), the models, the data formats and
// loaders, the attacks, the evaluator, the training loop and its methods, the reports — as if each
// were imported on its own. The layers themselves stay separate targets (docs/architecture.md
// §9), so a user who wants only the attacks can `import Attacks` and link no training code.
@_exported import Attacks
@_exported import DataFetch
@_exported import DataFormats
@_exported import Datasets
@_exported import Evaluation
@_exported import Models
@_exported import NN
@_exported import Reports
@_exported import SafeTensors
@_exported import Storage
@_exported import Torch
@_exported import Training

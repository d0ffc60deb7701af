// DataParallel.swift: what the one training loop does differently when W processes train one model
// together (docs/architecture.md §11), in one place. Each process trains on its shard of every epoch (DataLoader's
// Shard) with its own minibatches; the rest keeps the processes identical:
//
//   start        rank 0's TrainState, parameters, buffers (BatchNorm) and momentum are broadcast, so a
//                fresh run starts from rank 0's initialisation and a resumed one from rank 0's
//                checkpoint (only rank 0 reads and writes the run directory)
//   every step   gradients are averaged across processes before the optimiser steps (SGD's
//                gradientReducer; for DEAT that is every replay)
//   every batch  one tiny all-reduce: did any rank see a non-finite loss (then all stop), and does
//                rank 0 want a mid-epoch checkpoint (then all combine their running sums first)
//   epoch end    the running sums (M+ magnitude, loss, accuracy) are combined, so every rank's M+
//                rule sees the same M(e) and raises r in the same epoch
//
// Averaging gradients of per-process mean losses equals the gradient of the mean loss over the
// concatenated minibatch; the M+ magnitude, a sum of per-example ‖∂L/∂x̃‖₁ that scale with 1/B, is
// averaged over ranks for the same reason — so W processes at batch B make the decisions one
// process makes at batch W·B. BatchNorm statistics stay per process (as in DDP without SyncBN).
import Foundation
import NN
import Torch

struct DataParallel {
    let group: ProcessGroup
    /// Where the small bookkeeping tensors live: NCCL reduces CUDA tensors only, Gloo CPU ones.
    let device: Device

    init(group: ProcessGroup, trainingDevice: Device) {
        self.group = group
        device = group.backend == .nccl ? trainingDevice : .cpu
    }

    var rank: Int { group.rank }
    var worldSize: Int { group.worldSize }
    var isWriter: Bool { group.rank == 0 }

    /// Makes the optimiser average gradients across processes before every step.
    func attach(to optimizer: SGD) {
        let group = group
        optimizer.gradientReducer = { try group.allReduceMean($0) }
    }

    /// Rank 0's state, tensors and momentum buffers on every rank. Returns rank 0's state.
    func synchronizeStart(_ state: TrainState, model: any Module, optimizer: SGD) throws -> TrainState {
        var state = state
        let encoded = isWriter ? Array(try JSONEncoder().encode(state)) : []
        let length = try Tensor([Int64(encoded.count)], on: device)
        try group.broadcast(length)
        let bytes = try encoded.withUnsafeBytes { raw in
            isWriter
                ? try Tensor(bytes: raw, shape: [encoded.count], dtype: .uint8).to(device: device)
                : try Tensor.zeros([Int(length.ints()[0])], dtype: .uint8, device: device)
        }
        try group.broadcast(bytes)
        if !isWriter {
            state = try JSONDecoder().decode(TrainState.self, from: Data(try bytes.bytes()))
            // Rank 0's checkpoint holds every rank's running sums combined on rank 0 (see combine).
            state.tally = clearedSums(state.tally)
            state.policy.epochSum = 0
        }
        try withNoGrad {
            for (_, tensor) in model.stateDict() { try broadcastInPlace(tensor) }
            // Momentum buffers exist after a resumed run's first step; a fresh run has none anywhere.
            let buffers = optimizer.momentumBuffers
            let present = try Tensor([Int64(buffers.contains { $0 != nil } ? 1 : 0)], on: device)
            try group.broadcast(present)
            if try present.ints()[0] == 1 {
                let filled = try zip(buffers, optimizer.parameters).map { buffer, p in try buffer ?? p.detached().zerosLike() }
                for buffer in filled { try broadcastInPlace(buffer) }
                try optimizer.restore(momentumBuffers: filled)
            }
        }
        return state
    }

    /// Broadcasts into `tensor` itself: the collective needs a contiguous tensor, and a
    /// non-contiguous one gets rank 0's values through a contiguous copy.
    private func broadcastInPlace(_ tensor: Tensor) throws {
        if tensor.isContiguous {
            try group.broadcast(tensor)
        } else {
            let copy = try tensor.contiguous()
            try group.broadcast(copy)
            try tensor.copy(from: copy)
        }
    }

    /// One all-reduce per minibatch: (some rank's loss is not finite, rank 0 asks for a checkpoint).
    func agree(lossFinite: Bool, wantCheckpoint: Bool) throws -> (diverged: Bool, checkpoint: Bool) {
        let flags = try Tensor([lossFinite ? 0.0 : 1.0, isWriter && wantCheckpoint ? 1.0 : 0.0], on: device)
        try group.allReduceSum(flags)
        let values = try flags.doubles()
        return (values[0] > 0, values[1] > 0)
    }

    /// The mean of one number over the processes (the overfitting check's accuracy, so that every
    /// process stops in the same epoch).
    func mean(_ value: Double) throws -> Double {
        let sum = try Tensor([value], on: device)
        try group.allReduceSum(sum)
        return try sum.doubles()[0] / Double(worldSize)
    }

    /// Combines the processes' running sums of the epoch in progress. Mid-epoch (before a
    /// checkpoint), rank 0 takes the totals and the others restart from 0, so later sums add up
    /// the same way and rank 0's checkpoint holds everything. At the end of the epoch every rank
    /// takes the totals, and the M+ sum the mean over ranks, so all apply the rule identically.
    func combine(_ state: inout TrainState, epochEnd: Bool) throws {
        let t = state.tally
        let sums = try Tensor([t.lossSum, Double(t.correct), Double(t.examples), t.magnitude, state.policy.epochSum], on: device)
        try group.allReduceSum(sums)
        let v = try sums.doubles()
        if epochEnd || isWriter {
            state.tally.lossSum = v[0]
            state.tally.correct = Int(v[1].rounded())
            state.tally.examples = Int(v[2].rounded())
            state.tally.magnitude = epochEnd ? v[3] / Double(worldSize) : v[3]
            state.policy.epochSum = epochEnd ? v[4] / Double(worldSize) : v[4]
        } else {
            state.tally = clearedSums(t)
            state.policy.epochSum = 0
        }
    }

    private func clearedSums(_ t: EpochTally) -> EpochTally {
        var t = t
        t.lossSum = 0
        t.correct = 0
        t.examples = 0
        t.magnitude = 0
        return t
    }
}

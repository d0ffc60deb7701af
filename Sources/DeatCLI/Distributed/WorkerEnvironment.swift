// WorkerEnvironment.swift: the environment contract of a data-parallel worker — torchrun's, so any
// launcher that starts PyTorch DDP jobs (torchrun, Slurm scripts, `deat train --nproc-per-node`)
// starts deat the same way:
//
//   WORLD_SIZE    processes in the run (absent or 1: an ordinary single-process run)
//   RANK          this process's rank, 0 ..< WORLD_SIZE (rank 0 writes the run directory)
//   LOCAL_RANK    rank on this machine (selects cuda:LOCAL_RANK when --device cuda names no index)
//   MASTER_ADDR   host of rank 0, which serves the rendezvous store
//   MASTER_PORT   its TCP port
//   GLOO_SOCKET_IFNAME   optional: the network interface Gloo binds (as in PyTorch)
import Foundation
import Torch

struct WorkerEnvironment: Equatable {
    let rank: Int
    let localRank: Int
    let worldSize: Int
    let masterAddress: String
    let masterPort: Int
    let interface: String?

    /// The worker's settings, nil for a single-process run; throws one line naming what is missing or wrong.
    static func current(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> WorkerEnvironment? {
        guard let sizeText = env["WORLD_SIZE"] else { return nil }
        let worldSize = try integer("WORLD_SIZE", sizeText, in: 1...4096)
        guard worldSize > 1 else { return nil }
        func required(_ name: String) throws -> String {
            guard let value = env[name], !value.isEmpty else {
                throw CLIError("WORLD_SIZE=\(worldSize) is set but \(name) is not; a data-parallel worker needs RANK, MASTER_ADDR and MASTER_PORT as torchrun sets them")
            }
            return value
        }
        let rank = try integer("RANK", required("RANK"), in: 0...(worldSize - 1))
        return WorkerEnvironment(
            rank: rank, localRank: try env["LOCAL_RANK"].map { try integer("LOCAL_RANK", $0, in: 0...(worldSize - 1)) } ?? rank,
            worldSize: worldSize, masterAddress: try required("MASTER_ADDR"),
            masterPort: try integer("MASTER_PORT", required("MASTER_PORT"), in: 1...65535),
            interface: env["GLOO_SOCKET_IFNAME"].flatMap { $0.isEmpty ? nil : $0 })
    }

    private static func integer(_ name: String, _ text: String, in range: ClosedRange<Int>) throws -> Int {
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw CLIError("\(name)=\(text) is not an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// Joins the run's process group: Gloo for CPU training, NCCL for CUDA unless `backend` says otherwise.
    func join(device: Device, backend: ProcessGroup.Backend?, timeout: Double) throws -> ProcessGroup {
        let onCUDA = if case .cuda = device { true } else { false }
        let chosen = backend ?? (onCUDA ? .nccl : .gloo)
        guard ProcessGroup.availableBackends.contains(chosen) else {
            let available = ProcessGroup.availableBackends.map(\.rawValue)
            throw CLIError("this libtorch has no \(chosen.rawValue) process group (available: \(available.isEmpty ? "none" : available.joined(separator: ", ")))")
        }
        do {
            return try ProcessGroup(
                backend: chosen, rendezvous: .tcp(host: masterAddress, port: masterPort), rank: rank, worldSize: worldSize,
                timeout: timeout, glooDevice: interface.map { "interface:\($0)" })
        } catch {
            throw CLIError("rank \(rank) of \(worldSize) could not join the group at \(masterAddress):\(masterPort): \(oneLine(error))")
        }
    }
}

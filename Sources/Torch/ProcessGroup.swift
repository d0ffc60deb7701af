// ProcessGroup.swift: a group of processes that train one model together, over libtorch's c10d
// (Gloo for CPU tensors, NCCL for CUDA tensors) — the engine under PyTorch's DistributedDataParallel,
// not a protocol of deat's own. Every collective blocks until it is complete on this rank, and fails
// with a TorchError (never hangs past `timeout`) when a peer died or left.
//
//   let group = try ProcessGroup(rendezvous: .tcp(host: "127.0.0.1", port: 29500), rank: r, worldSize: 2)
//   try group.broadcast(parameter, from: 0)
//   try group.allReduceMean(gradients)          // bucketed: one collective per ~25 MB
import CTorch

/// A group of processes that train one model together over libtorch's c10d (Gloo for CPU tensors,
/// NCCL for CUDA tensors). Every collective blocks until done on this rank and throws, never hangs
/// past its timeout, when a peer died.
public final class ProcessGroup: @unchecked Sendable {
    // @unchecked: the handle is only used through the collectives, which the c10d process group
    // serialises itself; deat calls them from one thread per process.

    /// The c10d backend: Gloo (CPU tensors) or NCCL (CUDA tensors).
    public enum Backend: String, Sendable, CaseIterable {
        /// CPU tensors, TCP between processes (any machine).
        case gloo
        /// CUDA tensors (a CUDA libtorch built with NCCL).
        case nccl
    }

    /// Where the processes meet.
    public enum Rendezvous: Sendable, Equatable {
        /// torchrun's MASTER_ADDR/MASTER_PORT: rank 0 serves a key-value store on `host:port`.
        case tcp(host: String, port: Int)
        /// A file every rank can reach (a shared file system); it must not exist before the run.
        case file(path: String)
    }

    public let rank: Int
    public let worldSize: Int
    public let backend: Backend
    private let handle: OpaquePointer

    /// Backends this libtorch build offers: ["gloo"], ["gloo", "nccl"], or [] without c10d headers.
    public static var availableBackends: [Backend] {
        String(cString: dt_distributed_backends()).split(separator: ",").compactMap { Backend(rawValue: String($0)) }
    }

    /// Joins the group; returns once all `worldSize` ranks have joined (or throws after `timeout`).
    /// - Parameters:
    ///   - backend: Gloo for CPU tensors, NCCL for CUDA tensors.
    ///   - rendezvous: where the ranks meet: a TCP store served by rank 0, or a shared file.
    ///   - rank: this process's index, in 0..<worldSize.
    ///   - worldSize: the number of processes in the group, at least 1.
    ///   - timeout: seconds a rendezvous or a collective may take before it throws.
    ///   - glooDevice: the network device Gloo binds: "interface:eth0", "hostname:10.0.0.1",
    ///     or nil for the loopback address when the rendezvous host is local, else libtorch's default
    ///     (the address the machine's hostname resolves to).
    public init(
        backend: Backend = .gloo, rendezvous: Rendezvous, rank: Int, worldSize: Int, timeout: Double = 1800,
        glooDevice: String? = nil
    ) throws {
        guard worldSize >= 1, (0..<worldSize).contains(rank) else {
            throw TorchError("a process group needs 0 ≤ rank < world size, got rank \(rank) of \(worldSize)")
        }
        guard timeout > 0 else { throw TorchError("the process group timeout must be positive, got \(timeout) s") }
        let (store, address, port): (String, String, Int) = switch rendezvous {
        case .tcp(let host, let port): ("tcp", host, port)
        case .file(let path): ("file", path, 0)
        }
        guard (0...65535).contains(port) else { throw TorchError("port \(port) is not in 0...65535") }
        let device = glooDevice ?? (Self.isLoopback(address) && store == "tcp" ? "hostname:127.0.0.1" : "")
        handle = try checkedCall { err in
            dt_process_group_new(
                backend.rawValue, store, address, Int32(port), Int32(rank), Int32(worldSize), device,
                Int64(timeout * 1000), err)
        }.orThrow("libtorch returned no process group")
        self.rank = rank
        self.worldSize = worldSize
        self.backend = backend
    }

    deinit { dt_process_group_free(handle) }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host.hasPrefix("127.") || host == "::1"
    }

    /// In place: `tensor` = the sum of `tensor` over all ranks.
    public func allReduceSum(_ tensor: Tensor) throws {
        try collective("all-reduce") { dt_all_reduce_sum(handle, tensor.handle, $0) }
    }

    /// Runs one collective; a failure names what it means for the run (c10d's own text follows).
    private func collective(_ name: String, _ body: (UnsafeMutablePointer<dt_error>) -> Void) throws {
        do {
            try checkedCall(body)
        } catch let error as TorchError {
            throw TorchError("\(name) across \(worldSize) processes failed: another process stopped, or the network between them failed (\(error.oneLine))")
        }
    }

    /// In place: each tensor = its mean over all ranks. Tensors are packed into flat buckets of at
    /// most `bucketBytes` (consecutive tensors of one dtype and device), one collective per bucket,
    /// as DistributedDataParallel does: hundreds of small collectives cost far more than a few large.
    /// Every rank must pass tensors of the same shapes in the same order.
    public func allReduceMean(_ tensors: [Tensor], bucketBytes: Int = 25 << 20) throws {
        guard worldSize > 1 else { return }
        for bucket in try Self.buckets(tensors, bucketBytes: bucketBytes) {
            if bucket.count == 1, bucket[0].isContiguous {
                try allReduceSum(bucket[0])
                try bucket[0].multiplyInPlace(1.0 / Double(worldSize))
                continue
            }
            let flat = try Tensor.cat(bucket.map { try $0.reshaped([-1]) })
            try allReduceSum(flat)
            try flat.multiplyInPlace(1.0 / Double(worldSize))
            var offset = 0
            for t in bucket {
                try t.copy(from: flat.slice(offset..<offset + t.count).reshaped(t.shape))
                offset += t.count
            }
        }
    }

    /// Consecutive runs of same-dtype, same-device tensors, each at most `bucketBytes` (a larger
    /// tensor is a bucket of its own).
    static func buckets(_ tensors: [Tensor], bucketBytes: Int) throws -> [[Tensor]] {
        var result: [[Tensor]] = []
        var current: [Tensor] = []
        var bytes = 0
        for t in tensors {
            let size = t.count * t.dtype.byteSize
            if let first = current.first, first.dtype != t.dtype || first.device != t.device || bytes + size > bucketBytes {
                result.append(current)
                current = []
                bytes = 0
            }
            current.append(t)
            bytes += size
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    /// In place: `tensor` = rank `root`'s `tensor`, on every rank.
    public func broadcast(_ tensor: Tensor, from root: Int = 0) throws {
        guard (0..<worldSize).contains(root) else { throw TorchError("broadcast root \(root) is not a rank of \(worldSize)") }
        try collective("broadcast") { dt_broadcast(handle, tensor.handle, Int32(root), $0) }
    }

    /// Returns when every rank has called it.
    public func barrier() throws {
        try collective("barrier") { dt_barrier(handle, $0) }
    }
}

private extension Optional {
    func orThrow(_ message: String) throws -> Wrapped {
        guard let self else { throw TorchError(message) }
        return self
    }
}

// LocalLauncher.swift: `deat train --nproc-per-node N` — what `torchrun --standalone
// --nproc-per-node N` does for a PyTorch script: start N workers of this same executable on this
// machine with the worker environment (WorkerEnvironment.swift) and a free loopback port, wait for
// them, and when one fails stop the others at once, so a dead worker never leaves the rest hanging.
// The run directory only ever holds atomic checkpoints, so stopping workers loses nothing a
// `--resume` does not recover.
import Foundation
import Torch

struct LocalLauncher {
    let processes: Int
    /// The workers' command line after the executable (without --nproc-per-node).
    let arguments: [String]
    /// What to print for continuing after a failure.
    let resumeHint: String
    /// Seconds a stopped worker gets between SIGTERM and SIGKILL.
    var killDelay: Double = 10

    /// Removes `--nproc-per-node N` (or `=N`) from `arguments`, and gives every worker an equal
    /// share of the machine's cores unless `--threads` was given (N workers each taking all cores
    /// would oversubscribe the CPU N times).
    static func workerArguments(_ arguments: [String], processes: Int, cores: Int) -> [String] {
        var result: [String] = []
        var skipNext = false
        for argument in arguments {
            if skipNext {
                skipNext = false
                continue
            }
            if argument == "--nproc-per-node" {
                skipNext = true
                continue
            }
            if argument.hasPrefix("--nproc-per-node=") { continue }
            result.append(argument)
        }
        if !result.contains(where: { $0 == "--threads" || $0.hasPrefix("--threads=") }) {
            result += ["--threads", "\(max(1, cores / processes))"]
        }
        return result
    }

    /// Runs the workers to the end; throws one line naming the first worker that failed.
    func run() throws {
        let port = try Self.freeLoopbackPort()
        var environment = ProcessInfo.processInfo.environment
        environment["MASTER_ADDR"] = "127.0.0.1"
        environment["MASTER_PORT"] = "\(port)"
        environment["WORLD_SIZE"] = "\(processes)"
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        var workers: [pid_t: Int] = [:]
        for rank in 0..<processes {
            environment["RANK"] = "\(rank)"
            environment["LOCAL_RANK"] = "\(rank)"
            do {
                workers[try Self.spawn(executable, arguments, environment: environment)] = rank
            } catch {
                stop(Array(workers.keys))
                throw error
            }
        }
        while !workers.isEmpty {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, 0)
            if pid < 0 {
                if errno == EINTR { continue }
                throw CLIError("waiting for the workers failed: \(String(cString: strerror(errno)))")
            }
            guard let rank = workers.removeValue(forKey: pid) else { continue }
            let exited = status & 0x7f == 0
            let code = (status >> 8) & 0xff
            if exited && code == 0 { continue }
            stop(Array(workers.keys))
            let how = exited ? "exited with status \(code)" : "was killed by signal \(status & 0x7f)"
            throw CLIError("worker rank \(rank) of \(processes) \(how); the other workers were stopped. \(resumeHint)")
        }
    }

    /// SIGTERM now, SIGKILL after `killDelay` seconds for whoever is still running; reaps them all.
    private func stop(_ pids: [pid_t]) {
        for pid in pids { kill(pid, SIGTERM) }
        let deadline = Date().addingTimeInterval(killDelay)
        var running = Set(pids)
        while !running.isEmpty {
            for pid in running {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) != 0 { running.remove(pid) }
            }
            if Date() > deadline {
                for pid in running { kill(pid, SIGKILL) }
                for pid in running {
                    var status: Int32 = 0
                    waitpid(pid, &status, 0)
                }
                return
            }
            usleep(20_000)
        }
    }

    private static func spawn(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> pid_t {
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, nil, nil, argv, envp)
        guard result == 0 else { throw CLIError("cannot start a worker (\(executable)): \(String(cString: strerror(result)))") }
        return pid
    }

    /// A TCP port free on 127.0.0.1 right now (the kernel's pick for port 0), for rank 0's store.
    static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CLIError("cannot open a socket to find a free port: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw CLIError("cannot find a free port on 127.0.0.1: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

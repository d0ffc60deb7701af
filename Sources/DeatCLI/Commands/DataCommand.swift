// DataCommand.swift: `deat data fetch NAME [DIR]`: downloads a dataset's published archives, checks
// their MD5 sums, and prints the `deat train` line that reads them (docs/datasets.md §6). The work
// is DataFetch's; nothing else in deat downloads.
import ArgumentParser
import DataFetch
import Foundation

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Get the datasets deat trains on.",
        subcommands: [Fetch.self]
    )

    func run() throws {
        throw ValidationError("choose what to do: deat data fetch NAME [DIR]")
    }
}

struct Fetch: ParsableCommand {
    /// The environment variable that stands in for --mirror.
    static let mirrorVariable = "DEAT_DATA_MIRROR"

    static let configuration = CommandConfiguration(
        abstract: "Download fashion-mnist, mnist, cifar10 or cifar100 and check it against the published MD5 sums.",
        discussion: """
            The files are the ones torchvision 0.14 downloads, from the same sites, and are checked \
            against the same MD5 sums: the four IDX .gz files of Fashion-MNIST or MNIST (MNIST from \
            yann.lecun.com, else PyTorch's copy), or the CIFAR python tarball (read as it is, not \
            extracted). They are stored under their published names in DIR, which is then what \
            `deat train --data-dir` takes; the last line printed is that command.

            A download in progress is kept as NAME.part beside its final name; if it breaks off, \
            running the same command again resumes it (an HTTP Range request; from the start when \
            the server does not resume). Files get their final names only once every file of the \
            dataset is complete and verified. Files already there and verified are not downloaded \
            again. A file under a final name with another MD5 is left alone and reported.

            --mirror (or \(mirrorVariable)) takes the files from another base URL, NAME appended \
            to it, e.g. a local copy behind a firewall; they are checked against the same sums.
            """
    )

    @Argument(help: "The dataset.") var name: DatasetSource
    @Argument(help: "Directory to store the files in (default: data/NAME under the current directory).") var directory: String?
    @Option(help: ArgumentHelp("Base URL to download from instead of the official sites.", valueName: "url")) var mirror: String?
    @OptionGroup var log: LogOptions

    func validate() throws {
        _ = try mirrorURL()
    }

    /// --mirror, else DEAT_DATA_MIRROR, as an http(s) URL; nil for the official sites.
    func mirrorURL() throws -> URL? {
        let environment = ProcessInfo.processInfo.environment[Self.mirrorVariable].flatMap { $0.isEmpty ? nil : $0 }
        guard let text = mirror ?? environment else { return nil }
        let what = mirror != nil ? "--mirror" : Self.mirrorVariable
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw ValidationError("\(what) must be an http:// or https:// URL, got '\(text)'")
        }
        return url
    }

    func run() throws {
        log.bootstrap()
        let source = try mirrorURL().map { name.mirrored(at: $0) } ?? name
        let target = URL(fileURLWithPath: directory ?? "data/\(name.name)")
        let progress = ProgressDisplay()
        let report = try DatasetFetch.fetch(source, into: target) { progress.show($0) }
        progress.finish()
        for line in report.summary { print(line) }
    }
}

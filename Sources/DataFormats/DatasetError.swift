// DatasetError: the one error type of the dataset readers, for missing or malformed ("bad") input.
//
// Every failure names the file (or `archive:member`) and says what is wrong in one line, with a hint
// where the user can act on it, so the CLI can print `description` and exit non-zero.
//
//   do { _ = try loadImageSet(.cifar10, split: .test, directory: dir) }
//   catch let error as DatasetError { print(error) }   // "/data/x/test_batch.bin: truncated: ..."

/// A dataset file that is missing or malformed: which file, what is wrong, and what to do about it.
public struct DatasetError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The class of problem, for callers (and tests) that branch on it.
    public enum Kind: String, Sendable, Equatable {
        /// The file (or every candidate layout) does not exist.
        case missingFile
        /// The file exists but reading it failed at the operating-system level.
        case unreadable
        /// The leading magic number or signature is not the expected one.
        case badMagic
        /// The file ends before the data its header (or record size) promises.
        case truncated
        /// Bytes follow the data the header describes.
        case trailingData
        /// A size claim exceeds what the file could hold or a sane cap.
        case tooLarge
        /// Compressed data or an archive header is damaged (CRC, checksum, deflate error).
        case corrupt
        /// The content parses but does not have the expected structure (pickle keys, shapes, dims).
        case badStructure
        /// A valid but unsupported variant: an IDX element type, a pickle opcode or global.
        case unsupported
        /// A label is not below the class count.
        case labelOutOfRange
        /// Image and label counts (or shapes of parts of one split) disagree.
        case countMismatch
        /// A tar archive does not contain a member that the layout requires.
        case memberMissing
    }

    /// The class of problem.
    public let kind: Kind
    /// The path of the offending file, or `archive:member` for a tar member, or `<memory>`.
    public let file: String
    /// What is wrong, in words, without the file name.
    public let problem: String
    /// What the user can do, e.g. "install dataset-fashion-mnist or pass --data-dir"; may be nil.
    public let hint: String?

    /// Creates an error; `file` is a path or `archive:member`.
    public init(_ kind: Kind, file: String, _ problem: String, hint: String? = nil) {
        self.kind = kind
        self.file = file
        self.problem = problem
        self.hint = hint
    }

    /// One line: `file: problem (hint)`.
    public var description: String {
        "\(file): \(problem)" + (hint.map { " (\($0))" } ?? "")
    }

}

/// `text` in double quotes with control characters and line separators escaped as `\u{…}`: a name
/// read from the file (a pickle global, a dtype string, a tar member) may hold a newline, and a message
/// must stay on one line. (`debugDescription` would let U+0085, U+2028 and U+2029 through.)
func quotedName(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar.value {
        case 0x22, 0x5C: out += "\\" + String(scalar)
        case 0..<0x20, 0x7F...0x9F, 0x2028, 0x2029: out += "\\u{" + String(scalar.value, radix: 16) + "}"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

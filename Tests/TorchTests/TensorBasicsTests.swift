// Creation, metadata, conversions and copying out.
import Testing
import TestSupport
import Torch

@Suite("Tensor basics")
struct TensorBasicsTests {
    @Test("an array round-trips with its shape, strides and dtype")
    func roundTrip() throws {
        let x = try Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
        #expect(x.shape == [2, 3])
        #expect(x.strides == [3, 1])
        #expect(x.rank == 2)
        #expect(x.count == 6)
        #expect(x.dtype == .float32)
        #expect(x.device == .cpu)
        #expect(try x.scalars(as: Float.self) == [1, 2, 3, 4, 5, 6])
    }

    @Test("every supported element type round-trips", arguments: DType.allCases)
    func dtypes(dtype: DType) throws {
        let x = try Tensor([0, 1, 2, 3] as [Double], shape: [4]).to(dtype: dtype)
        #expect(x.dtype == dtype)
        let expected: [Double] = dtype == .bool ? [0, 1, 1, 1] : [0, 1, 2, 3]
        #expect(try x.doubles() == expected)
    }

    @Test("a shape that does not match the element count is an error, not a crash")
    func badShape() throws {
        #expect(throws: TorchError.self) { try Tensor([1, 2, 3] as [Float], shape: [2, 2]) }
        #expect(throws: TorchError.self) { try Tensor([1, 2] as [Float], shape: [-1, -2]) }
    }

    @Test("reading values as the wrong Swift type is an error")
    func wrongElementType() throws {
        let x = try Tensor([1, 2] as [Int64])
        #expect(throws: TorchError.self) { try x.scalars(as: Float.self) }
        #expect(try x.ints() == [1, 2])
    }

    @Test("factories fill the requested shape, dtype and values")
    func factories() throws {
        #expect(try Tensor.zeros([2, 2]).floats() == [0, 0, 0, 0])
        #expect(try Tensor.ones([3], dtype: .int64).ints() == [1, 1, 1])
        #expect(try Tensor.full([2], 2.5).floats() == [2.5, 2.5])
        #expect(try Tensor.arange(0, 5).ints() == [0, 1, 2, 3, 4])
        #expect(try Tensor.arange(0.0, 1.0, step: 0.25, dtype: .float32).floats() == [0, 0.25, 0.5, 0.75])
        #expect(try Tensor(scalar: Float(3)).shape == [])
        #expect(try Tensor(scalar: Float(3)).item() == 3)
    }

    @Test("clone copies, alias shares storage, detach leaves the graph")
    func aliasing() throws {
        let x = try Tensor([1, 2] as [Float])
        let copy = try x.cloned()
        let alias = try x.alias()
        try x.addInPlace(10)
        #expect(try copy.floats() == [1, 2])
        #expect(try alias.floats() == [11, 12])
        let leaf = try Tensor([1] as [Float]).requiringGrad()
        #expect(try !(leaf * 2).detached().requiresGrad)
    }

    @Test("a non-contiguous view is copied out in logical order")
    func nonContiguous() throws {
        let x = try Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3]).transposed(0, 1)
        #expect(!x.isContiguous)
        #expect(try x.floats() == [1, 4, 2, 5, 3, 6])
        #expect(try x.contiguous().isContiguous)
    }

    @Test("the description is libtorch's printout")
    func description() throws {
        let text = try Tensor([1.5] as [Float]).description
        #expect(text.contains("1.5"))
        #expect(text.contains("Float"))
    }
}

@Suite("Tensor bytes")
struct TensorBytesTests {
    @Test("raw little-endian bytes round-trip for every dtype", arguments: DType.allCases)
    func roundTrip(dtype: DType) throws {
        let x = try Tensor([0, 1, 2, 3, 4, 5] as [Double], shape: [2, 3]).to(dtype: dtype)
        let raw = try x.bytes()
        #expect(raw.count == 6 * dtype.byteSize)
        let y = try raw.withUnsafeBytes { try Tensor(bytes: $0, shape: [2, 3], dtype: dtype) }
        #expect(y.dtype == dtype && y.shape == [2, 3])
        #expect(try y.doubles() == x.doubles())
    }

    @Test("float32 bytes are IEEE little-endian: 1.0 is 00 00 80 3F")
    func layout() throws {
        #expect(try Tensor([1] as [Float]).bytes() == [0x00, 0x00, 0x80, 0x3F])
    }

    @Test("a byte count that does not match the shape is an error")
    func mismatch() throws {
        let raw: [UInt8] = [1, 2, 3]
        #expect(throws: TorchError.self) { try raw.withUnsafeBytes { try Tensor(bytes: $0, shape: [1], dtype: .float32) } }
        #expect(throws: TorchError.self) {
            try raw.withUnsafeBytes { try Tensor(bytes: $0, shape: [Int.max, 2], dtype: .float32) }
        }
    }
}

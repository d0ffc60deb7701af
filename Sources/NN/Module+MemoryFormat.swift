// Module+MemoryFormat.swift: moving a model's 4-D tensors (convolution weights) to another memory
// layout in place, as PyTorch's `model.to(memory_format=torch.channels_last)`. The tensors stay the
// same objects, so optimisers and checkpoints holding them see the change; names, shapes and saved
// bytes (always written in row-major order) do not change.
import Torch

extension Module {
    public func convert(to format: MemoryFormat) throws {
        for (_, tensor) in stateDict() where tensor.shape.count == 4 {
            try withNoGrad { try tensor.setData(tensor.to(memoryFormat: format)) }
        }
    }
}

// precision.cpp: memory layout and mixed precision (for GPUs): channels-last tensors, replacing a
// parameter's data in place (PyTorch's `p.data = …`), and autocast, whose API moved in libtorch 2.4
// from per-device functions to functions taking the device type.
#include <ATen/autocast_mode.h>
#include <torch/csrc/api/include/torch/version.h>

#include "internal.h"

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define DT_AUTOCAST_BY_DEVICE 1
#endif

namespace {
at::MemoryFormat memory_format(int32_t format) {
  return format == 1 ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
}
at::DeviceType device_type(int32_t code) { return code == 1 ? at::kCUDA : at::kCPU; }
}  // namespace

extern "C" {

// As PyTorch's `t.to(memory_format=…)` (what `module.to(memory_format=…)` calls), not `contiguous`:
// a tensor with a size-1 dimension (a 1-channel image batch, a conv1 weight [32, 1, 3, 3]) counts as
// contiguous in both formats, so `contiguous` leaves its NCHW strides, oneDNN reads those as NCHW and
// runs that convolution, and every later layer in channels-last, with a reorder between them.
// `to` restrides it whenever its strides do not already suggest `format`.
dt_tensor *dt_to_memory_format(const dt_tensor *t, int32_t format, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(t->t.to(t->t.options(), false, false, memory_format(format)));)
}

bool dt_is_channels_last(const dt_tensor *t) {
  return t->t.dim() == 4 && t->t.is_contiguous(at::MemoryFormat::ChannelsLast);
}

void dt_set_data(dt_tensor *t, const dt_tensor *src, dt_error *err) {
  DT_PROTECT(err, , t->t.set_data(src->t); return;)
}

void dt_autocast_set(int32_t device, bool enabled, int32_t dtype, dt_error *err) {
  DT_PROTECT(err, , {
    const auto type = static_cast<at::ScalarType>(dtype);
#ifdef DT_AUTOCAST_BY_DEVICE
    at::autocast::set_autocast_dtype(device_type(device), type);
    at::autocast::set_autocast_enabled(device_type(device), enabled);
#else
    if (device_type(device) == at::kCUDA) {
      at::autocast::set_autocast_gpu_dtype(type);
      at::autocast::set_enabled(enabled);
    } else {
      at::autocast::set_autocast_cpu_dtype(type);
      at::autocast::set_cpu_enabled(enabled);
    }
#endif
    // Leaving the outermost region drops the casts cached for it, as torch.autocast's __exit__ does.
    if (!enabled) at::autocast::clear_cache();
    return;
  })
}

bool dt_autocast_enabled(int32_t device) {
#ifdef DT_AUTOCAST_BY_DEVICE
  return at::autocast::is_autocast_enabled(device_type(device));
#else
  return device_type(device) == at::kCUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
}

}  // extern "C"

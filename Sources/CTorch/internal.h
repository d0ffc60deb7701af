// internal.h: what every shim source shares: the handle types, the exception barrier, and the
// conversions from C arguments to libtorch's. Never included from Swift.
#pragma once

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "ctorch.h"

struct dt_tensor {
  at::Tensor t;
};

struct dt_generator {
  at::Generator g;
  uint64_t seed;
};

namespace dt {

inline void set_error(dt_error *err, const char *message) {
  if (err != nullptr) err->message = strdup(message);
}

// The exception barrier. c10::Error's what() carries a C++ backtrace ("Exception raised from …
// frame #0 …"); users get what_without_backtrace(), libtorch's message alone.
#define DT_PROTECT(err, fail_value, ...)                                  \
  try {                                                                   \
    __VA_ARGS__                                                           \
  } catch (const c10::Error &e) {                                         \
    dt::set_error(err, e.what_without_backtrace());                       \
  } catch (const std::exception &e) {                                     \
    dt::set_error(err, e.what());                                         \
  } catch (...) {                                                         \
    dt::set_error(err, "unknown C++ exception in libtorch");              \
  }                                                                       \
  return fail_value;

inline dt_tensor *wrap(at::Tensor t) { return new dt_tensor{std::move(t)}; }

inline at::IntArrayRef ints(const int64_t *values, size_t n) { return at::IntArrayRef(values, n); }

inline at::Scalar scalar(dt_scalar s) {
  switch (s.kind) {
    case 1: return at::Scalar(s.i);
    case 2: return at::Scalar(s.i != 0);
    default: return at::Scalar(s.f);
  }
}

inline at::Device device(int32_t code) {
  return code < 0 ? at::Device(at::kCPU) : at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(code));
}

inline int32_t device_code(const at::Device &d) { return d.is_cuda() ? d.index() : DT_DEVICE_CPU; }

inline at::TensorOptions options(int32_t dtype, int32_t dev) {
  return at::TensorOptions().dtype(static_cast<at::ScalarType>(dtype)).device(device(dev));
}

inline c10::optional<at::Tensor> optional(const dt_tensor *t) {
  if (t == nullptr) return c10::nullopt;
  return t->t;
}

inline c10::optional<at::Generator> generator(dt_generator *g) {
  if (g == nullptr) return c10::nullopt;
  return g->g;
}

// onednn_conv.cpp: whether this build has oneDNN's Winograd kernels, and the convolution through them,
// or an undefined tensor when the thread's switch is off or the convolution does not qualify; the same
// for convolutions whose input and/or output stay in oneDNN's blocked layout ([N, C/16, H, W, 16]).
bool winograd_available();
at::Tensor winograd_conv2d(const at::Tensor &x, const at::Tensor &w, const c10::optional<at::Tensor> &bias,
                           at::IntArrayRef stride, at::IntArrayRef padding, at::IntArrayRef dilation, int64_t groups);
bool blocked_conv_available();
at::Tensor blocked_conv2d(const at::Tensor &x, const at::Tensor &w, const c10::optional<at::Tensor> &bias,
                          at::IntArrayRef stride, at::IntArrayRef padding, bool src_blocked, bool dst_blocked);

}  // namespace dt

// tensor.cpp: metadata, copies in and out of Swift memory, device/dtype moves.
#include <sstream>

#include "internal.h"

extern "C" {

int64_t dt_tensor_dim(const dt_tensor *t) { return t->t.dim(); }

void dt_tensor_sizes(const dt_tensor *t, int64_t *out) {
  auto sizes = t->t.sizes();
  std::copy(sizes.begin(), sizes.end(), out);
}

void dt_tensor_strides(const dt_tensor *t, int64_t *out) {
  auto strides = t->t.strides();
  std::copy(strides.begin(), strides.end(), out);
}

int32_t dt_tensor_dtype(const dt_tensor *t) { return static_cast<int32_t>(t->t.scalar_type()); }

int32_t dt_tensor_device(const dt_tensor *t) { return dt::device_code(t->t.device()); }

int64_t dt_tensor_numel(const dt_tensor *t) { return t->t.numel(); }

bool dt_tensor_is_contiguous(const dt_tensor *t) { return t->t.is_contiguous(); }

dt_tensor *dt_tensor_shallow_clone(const dt_tensor *t, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(t->t);)
}

// Copies: the Swift buffer may be freed as soon as this returns.
dt_tensor *dt_from_data(const void *data, const int64_t *sizes, size_t ndim, int32_t dtype, dt_error *err) {
  DT_PROTECT(err, nullptr, {
    auto opts = dt::options(dtype, DT_DEVICE_CPU);
    at::Tensor out = at::empty(dt::ints(sizes, ndim), opts);
    if (out.numel() > 0) std::memcpy(out.data_ptr(), data, out.numel() * out.element_size());
    return dt::wrap(out);
  })
}

void dt_tensor_copy_data(const dt_tensor *t, void *dst, size_t nbytes, dt_error *err) {
  DT_PROTECT(err, , {
    at::Tensor src = t->t.detach().to(at::kCPU).contiguous();
    size_t need = static_cast<size_t>(src.numel()) * src.element_size();
    TORCH_CHECK(need == nbytes, "copy out of a tensor of ", need, " bytes into a buffer of ", nbytes, " bytes");
    if (need > 0) std::memcpy(dst, src.data_ptr(), need);
    return;
  })
}

double dt_tensor_item(const dt_tensor *t, dt_error *err) {
  DT_PROTECT(err, 0.0, return t->t.item().toDouble();)
}

char *dt_tensor_to_string(const dt_tensor *t, dt_error *err) {
  DT_PROTECT(err, nullptr, {
    std::ostringstream out;
    out << t->t;
    return strdup(out.str().c_str());
  })
}

void dt_string_free(char *s) { free(s); }

dt_tensor *dt_to(const dt_tensor *t, int32_t device, int32_t dtype, bool non_blocking, dt_error *err) {
  DT_PROTECT(err, nullptr, {
    auto type = dtype < 0 ? t->t.scalar_type() : static_cast<at::ScalarType>(dtype);
    return dt::wrap(t->t.to(dt::device(device), type, non_blocking));
  })
}

dt_tensor *dt_contiguous(const dt_tensor *t, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(t->t.contiguous());)
}

dt_tensor *dt_clone(const dt_tensor *t, dt_error *err) { DT_PROTECT(err, nullptr, return dt::wrap(t->t.clone());) }

dt_tensor *dt_detach(const dt_tensor *t, dt_error *err) { DT_PROTECT(err, nullptr, return dt::wrap(t->t.detach());) }

}  // extern "C"

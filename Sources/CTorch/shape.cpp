// shape.cpp: views, reshapes, joins and indexing.
#include "internal.h"

namespace {
std::vector<at::Tensor> tensors(const dt_tensor *const *list, size_t n) {
  std::vector<at::Tensor> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(list[i]->t);
  return out;
}
}  // namespace

extern "C" {

dt_tensor *dt_reshape(const dt_tensor *a, const int64_t *sizes, size_t ndim, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(a->t.reshape(dt::ints(sizes, ndim)));)
}

dt_tensor *dt_permute(const dt_tensor *a, const int64_t *dims, size_t ndim, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(a->t.permute(dt::ints(dims, ndim)));)
}

dt_tensor *dt_transpose(const dt_tensor *a, int64_t dim0, int64_t dim1, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(a->t.transpose(dim0, dim1));)
}

dt_tensor *dt_expand(const dt_tensor *a, const int64_t *sizes, size_t ndim, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(a->t.expand(dt::ints(sizes, ndim)));)
}

dt_tensor *dt_flatten(const dt_tensor *a, int64_t start_dim, int64_t end_dim, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(a->t.flatten(start_dim, end_dim));)
}

dt_tensor *dt_squeeze(const dt_tensor *a, int64_t dim, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(a->t.squeeze(dim));)
}

dt_tensor *dt_unsqueeze(const dt_tensor *a, int64_t dim, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(a->t.unsqueeze(dim));)
}

dt_tensor *dt_narrow(const dt_tensor *a, int64_t dim, int64_t start, int64_t length, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(a->t.narrow(dim, start, length));)
}

dt_tensor *dt_select(const dt_tensor *a, int64_t dim, int64_t index, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(a->t.select(dim, index));)
}

dt_tensor *dt_index_select(const dt_tensor *a, int64_t dim, const dt_tensor *index, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::index_select(a->t, dim, index->t));)
}

dt_tensor *dt_masked_select(const dt_tensor *a, const dt_tensor *mask, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::masked_select(a->t, mask->t));)
}

dt_tensor *dt_nonzero(const dt_tensor *a, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::nonzero(a->t));)
}

dt_tensor *dt_cat(const dt_tensor *const *list, size_t n, int64_t dim, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::cat(tensors(list, n), dim));)
}

dt_tensor *dt_stack(const dt_tensor *const *list, size_t n, int64_t dim, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::stack(tensors(list, n), dim));)
}

dt_tensor *dt_flip(const dt_tensor *a, const int64_t *dims, size_t ndim, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::flip(a->t, dt::ints(dims, ndim)));)
}

dt_tensor *dt_constant_pad_nd(const dt_tensor *a, const int64_t *pad, size_t npad, dt_scalar value, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::constant_pad_nd(a->t, dt::ints(pad, npad), dt::scalar(value)));)
}

dt_tensor *dt_gather(const dt_tensor *a, int64_t dim, const dt_tensor *index, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::gather(a->t, dim, index->t));)
}

dt_tensor *dt_scatter(const dt_tensor *a, int64_t dim, const dt_tensor *index, const dt_tensor *src, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::scatter(a->t, dim, index->t, src->t));)
}

dt_tensor *dt_scatter_value(const dt_tensor *a, int64_t dim, const dt_tensor *index, dt_scalar value,
                            dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::scatter(a->t, dim, index->t, dt::scalar(value)));)
}

dt_tensor *dt_one_hot(const dt_tensor *a, int64_t num_classes, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::one_hot(a->t, num_classes));)
}

}  // extern "C"

// reduce.cpp: reductions, index-returning reductions and matmul.
#include "internal.h"

namespace {
// An empty dim list means "all dimensions", as in PyTorch's t.sum().
std::vector<int64_t> all_dims(const at::Tensor &t, const int64_t *dims, size_t ndims) {
  if (ndims > 0) return std::vector<int64_t>(dims, dims + ndims);
  std::vector<int64_t> out(t.dim());
  for (int64_t i = 0; i < t.dim(); ++i) out[i] = i;
  return out;
}

void pair(std::tuple<at::Tensor, at::Tensor> result, dt_tensor **values, dt_tensor **indices) {
  *values = dt::wrap(std::get<0>(result));
  *indices = dt::wrap(std::get<1>(result));
}
}  // namespace

extern "C" {

dt_tensor *dt_sum(const dt_tensor *a, const int64_t *dims, size_t ndims, bool keepdim, int32_t dtype, dt_error *err) {
  DT_PROTECT(err, nullptr, {
    c10::optional<at::ScalarType> type;
    if (dtype >= 0) type = static_cast<at::ScalarType>(dtype);
    return dt::wrap(at::sum(a->t, all_dims(a->t, dims, ndims), keepdim, type));
  })
}

dt_tensor *dt_mean(const dt_tensor *a, const int64_t *dims, size_t ndims, bool keepdim, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::mean(a->t, all_dims(a->t, dims, ndims), keepdim));)
}

dt_tensor *dt_amax(const dt_tensor *a, const int64_t *dims, size_t ndims, bool keepdim, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::amax(a->t, all_dims(a->t, dims, ndims), keepdim));)
}

dt_tensor *dt_amin(const dt_tensor *a, const int64_t *dims, size_t ndims, bool keepdim, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::amin(a->t, all_dims(a->t, dims, ndims), keepdim));)
}

dt_tensor *dt_logsumexp(const dt_tensor *a, const int64_t *dims, size_t ndims, bool keepdim, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::logsumexp(a->t, all_dims(a->t, dims, ndims), keepdim));)
}

dt_tensor *dt_norm(const dt_tensor *a, double p, const int64_t *dims, size_t ndims, bool keepdim, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::norm(a->t, at::Scalar(p), all_dims(a->t, dims, ndims), keepdim));)
}

dt_tensor *dt_all(const dt_tensor *a, dt_error *err) { DT_PROTECT(err, nullptr, return dt::wrap(at::all(a->t));) }

dt_tensor *dt_any(const dt_tensor *a, dt_error *err) { DT_PROTECT(err, nullptr, return dt::wrap(at::any(a->t));) }

void dt_max_dim(const dt_tensor *a, int64_t dim, bool keepdim, dt_tensor **values, dt_tensor **indices,
                dt_error *err) {
  DT_PROTECT(err, , pair(at::max(a->t, dim, keepdim), values, indices); return;)
}

void dt_min_dim(const dt_tensor *a, int64_t dim, bool keepdim, dt_tensor **values, dt_tensor **indices,
                dt_error *err) {
  DT_PROTECT(err, , pair(at::min(a->t, dim, keepdim), values, indices); return;)
}

dt_tensor *dt_argmax(const dt_tensor *a, int64_t dim, bool keepdim, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::argmax(a->t, dim, keepdim));)
}

dt_tensor *dt_argmin(const dt_tensor *a, int64_t dim, bool keepdim, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::argmin(a->t, dim, keepdim));)
}

void dt_topk(const dt_tensor *a, int64_t k, int64_t dim, bool largest, bool sorted, dt_tensor **values,
             dt_tensor **indices, dt_error *err) {
  DT_PROTECT(err, , pair(at::topk(a->t, k, dim, largest, sorted), values, indices); return;)
}

void dt_sort(const dt_tensor *a, int64_t dim, bool descending, dt_tensor **values, dt_tensor **indices,
             dt_error *err) {
  DT_PROTECT(err, , pair(at::sort(a->t, dim, descending), values, indices); return;)
}

dt_tensor *dt_matmul(const dt_tensor *a, const dt_tensor *b, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::matmul(a->t, b->t));)
}

}  // extern "C"

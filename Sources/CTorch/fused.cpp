// fused.cpp: the element-wise kernels deat writes itself instead of forwarding to ATen, each one pass
// over memory with one output where the composed ATen ops make several temporaries
// (docs/benchmarks.md "Where the training loop's time goes"):
// - the signed-gradient step with its clamps, which every L∞ attack and adversarial-training replay
//   runs on every image (five ops and four temporaries composed);
// - APGD's L∞ momentum step (docs/attacks.md §6), twelve ops composed, run on every attacked point in
//   every iteration of APGD-CE and APGD-T.
#include <ATen/Parallel.h>

#include <algorithm>
#include <limits>

#include "internal.h"

namespace {

// The composed form: what the fused loop must equal, and the path for CUDA, other dtypes and
// layouts.
at::Tensor sign_step_composed(const at::Tensor &v, const at::Tensor &g, double step, bool has_eps, double eps,
                              const dt_tensor *low, const dt_tensor *high) {
  at::Tensor out = v + g.sign() * step;
  if (has_eps) out.clamp_(-eps, eps);
  if (low != nullptr || high != nullptr) out.clamp_(dt::optional(low), dt::optional(high));
  return out;
}

// Whether `other` (v itself included) can be read by the loop as one flat array in step with v: a
// float32 CPU tensor of v's shape and strides, with v dense (no gaps, no overlaps). Contiguous NCHW
// and channels-last batches both qualify; the output takes the same strides.
// A size-1 dimension's stride does not matter (a 1-channel batch may carry either format's).
bool fusable(const at::Tensor &v, const at::Tensor &other) {
  if (!other.device().is_cpu() || other.scalar_type() != at::kFloat || other.sizes() != v.sizes()
      || !v.is_non_overlapping_and_dense())
    return false;
  for (int64_t d = 0; d < v.dim(); ++d)
    if (v.size(d) > 1 && other.stride(d) != v.stride(d)) return false;
  return true;
}

// sign as libtorch computes it: (0 < x) − (x < 0), so sign(±0) = 0.
inline float libtorch_sign(float x) { return static_cast<float>((0.0f < x) - (x < 0.0f)); }

// min(max(a, lo), hi) with NaN kept, as libtorch's clamp computes it. Only a zero's sign can
// differ (−0 against +0 is a tie that libtorch's own vector and scalar paths break differently);
// no result depends on it, since x + δ is the same number.
inline float clamp_nan(float a, float lo, float hi) {
  if (a != a) return a;
  const float m = a > lo ? a : lo;
  return m < hi ? m : hi;
}

// APGD's L∞ step, composed exactly as Sources/Attacks/APGD.swift wrote it before the fused loop:
//   z    = clamp(c + sign(g)·η, low, high)
//   next = clamp(c + (z − c)·a + (c − p)·(1 − a), low, high)
at::Tensor apgd_step_composed(const at::Tensor &c, const at::Tensor &p, const at::Tensor &g, const at::Tensor &eta, double a,
                              const at::Tensor &low, const at::Tensor &high) {
  std::vector<int64_t> shape(c.dim(), 1);
  shape[0] = -1;
  at::Tensor z = (c + g.sign() * eta.reshape(shape)).clamp(low, high);
  return (c + (z - c) * a + (c - p) * (1 - a)).clamp(low, high);
}

}  // namespace

extern "C" {

dt_tensor *dt_sign_step(const dt_tensor *v, const dt_tensor *g, double step, bool has_eps, double eps, const dt_tensor *low,
                        const dt_tensor *high, dt_error *err) {
  DT_PROTECT(err, nullptr, {
    const at::Tensor &a = v->t;
    bool fused = fusable(a, a) && fusable(a, g->t) && (low == nullptr || fusable(a, low->t))
        && (high == nullptr || fusable(a, high->t));
    if (!fused) return dt::wrap(sign_step_composed(a, g->t, step, has_eps, eps, low, high));
    at::Tensor out = at::empty_like(a);
    const float *pv = a.data_ptr<float>(), *pg = g->t.data_ptr<float>();
    const float *pl = low ? low->t.data_ptr<float>() : nullptr, *ph = high ? high->t.data_ptr<float>() : nullptr;
    float *po = out.data_ptr<float>();
    // The scalars as libtorch's float kernels see them: cast to float once.
    const float s = static_cast<float>(step), e = static_cast<float>(eps), inf = std::numeric_limits<float>::infinity();
    at::parallel_for(0, a.numel(), at::internal::GRAIN_SIZE, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        float r = pv[i] + libtorch_sign(pg[i]) * s;
        if (has_eps) r = clamp_nan(r, -e, e);
        if (pl != nullptr || ph != nullptr) r = clamp_nan(r, pl ? pl[i] : -inf, ph ? ph[i] : inf);
        po[i] = r;
      }
    });
    return dt::wrap(out);
  })
}

dt_tensor *dt_apgd_step(const dt_tensor *current, const dt_tensor *previous, const dt_tensor *gradient, const dt_tensor *eta,
                        double a, const dt_tensor *low, const dt_tensor *high, dt_error *err) {
  DT_PROTECT(err, nullptr, {
    const at::Tensor &c = current->t;
    const int64_t n = c.dim() > 0 ? c.size(0) : 0;
    bool fused = c.dim() > 0 && fusable(c, c) && fusable(c, previous->t) && fusable(c, gradient->t) && fusable(c, low->t)
        && fusable(c, high->t) && eta->t.device().is_cpu() && eta->t.scalar_type() == at::kFloat && eta->t.is_contiguous()
        && eta->t.numel() == n && (n == 0 || c.stride(0) * n == c.numel());  // each row one block, for η
    if (!fused) return dt::wrap(apgd_step_composed(c, previous->t, gradient->t, eta->t, a, low->t, high->t));
    at::Tensor out = at::empty_like(c);
    const float *pc = c.data_ptr<float>(), *pp = previous->t.data_ptr<float>(), *pg = gradient->t.data_ptr<float>();
    const float *pe = eta->t.data_ptr<float>(), *pl = low->t.data_ptr<float>(), *ph = high->t.data_ptr<float>();
    float *po = out.data_ptr<float>();
    const int64_t row = n > 0 ? c.numel() / n : 0;
    // The scalars as libtorch's float kernels see them: a and 1 − a (computed in double, as the
    // composed form passes it) cast to float once.
    const float fa = static_cast<float>(a), fb = static_cast<float>(1 - a);
    at::parallel_for(0, c.numel(), at::internal::GRAIN_SIZE, [&](int64_t begin, int64_t end) {
      // Row by row, so that η is read once per row rather than found by a division per element.
      for (int64_t i = begin; i < end;) {
        const int64_t r = i / row, stop = std::min(end, (r + 1) * row);
        const float eta_r = pe[r];
        for (; i < stop; ++i) {
          const float ci = pc[i];
          const float z = clamp_nan(ci + libtorch_sign(pg[i]) * eta_r, pl[i], ph[i]);
          const float t = ci + (z - ci) * fa;
          po[i] = clamp_nan(t + (ci - pp[i]) * fb, pl[i], ph[i]);
        }
      }
    });
    return dt::wrap(out);
  })
}

}  // extern "C"

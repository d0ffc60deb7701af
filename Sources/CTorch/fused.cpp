// fused.cpp: the one element-wise kernel deat writes itself instead of forwarding to ATen: the
// signed-gradient step with its clamps, which every L∞ attack and adversarial-training replay runs
// on every image (docs/benchmarks.md "Where the training loop's time goes"). Composed, it is five
// ATen ops and four temporaries; fused, one pass and one output.
#include <ATen/Parallel.h>

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

// Whether `other` (v itself included) can be read by the loop: a contiguous float32 CPU tensor of v's shape.
bool fusable(const at::Tensor &v, const at::Tensor &other) {
  return other.device().is_cpu() && other.scalar_type() == at::kFloat && other.is_contiguous() && other.sizes() == v.sizes();
}

// min(max(a, lo), hi) with NaN kept, as libtorch's clamp computes it. Only a zero's sign can
// differ (−0 against +0 is a tie that libtorch's own vector and scalar paths break differently);
// no result depends on it, since x + δ is the same number.
inline float clamp_nan(float a, float lo, float hi) {
  if (a != a) return a;
  const float m = a > lo ? a : lo;
  return m < hi ? m : hi;
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
    at::Tensor out = at::empty_like(a, at::MemoryFormat::Contiguous);
    const float *pv = a.data_ptr<float>(), *pg = g->t.data_ptr<float>();
    const float *pl = low ? low->t.data_ptr<float>() : nullptr, *ph = high ? high->t.data_ptr<float>() : nullptr;
    float *po = out.data_ptr<float>();
    // The scalars as libtorch's float kernels see them: cast to float once.
    const float s = static_cast<float>(step), e = static_cast<float>(eps), inf = std::numeric_limits<float>::infinity();
    at::parallel_for(0, a.numel(), at::internal::GRAIN_SIZE, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const float x = pg[i];
        // sign as libtorch computes it: (0 < x) − (x < 0), so sign(±0) = 0.
        const float sg = static_cast<float>((0.0f < x) - (x < 0.0f));
        float r = pv[i] + sg * s;
        if (has_eps) r = clamp_nan(r, -e, e);
        if (pl != nullptr || ph != nullptr) r = clamp_nan(r, pl ? pl[i] : -inf, ph ? ph[i] : inf);
        po[i] = r;
      }
    });
    return dt::wrap(out);
  })
}

}  // extern "C"

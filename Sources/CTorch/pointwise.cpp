// pointwise.cpp: element-wise ops, each a one-line forward to ATen. The macros only stamp out the
// extern "C" signature; every symbol still maps to exactly one libtorch op.
#include "internal.h"

#define DT_BINARY(name, op)                                                                        \
  dt_tensor *dt_##name(const dt_tensor *a, const dt_tensor *b, dt_error *err) {                    \
    DT_PROTECT(err, nullptr, return dt::wrap(op(a->t, b->t));)                                     \
  }                                                                                                \
  dt_tensor *dt_##name##_scalar(const dt_tensor *a, dt_scalar b, dt_error *err) {                  \
    DT_PROTECT(err, nullptr, return dt::wrap(op(a->t, dt::scalar(b)));)                            \
  }

#define DT_UNARY(name, op) \
  dt_tensor *dt_##name(const dt_tensor *a, dt_error *err) { DT_PROTECT(err, nullptr, return dt::wrap(op(a->t));) }

extern "C" {

DT_BINARY(add, at::add)
DT_BINARY(sub, at::sub)
DT_BINARY(mul, at::mul)
DT_BINARY(div, at::div)
DT_BINARY(pow, at::pow)
DT_BINARY(remainder, at::remainder)
DT_BINARY(eq, at::eq)
DT_BINARY(ne, at::ne)
DT_BINARY(lt, at::lt)
DT_BINARY(le, at::le)
DT_BINARY(gt, at::gt)
DT_BINARY(ge, at::ge)

dt_tensor *dt_rsub_scalar(const dt_tensor *a, dt_scalar b, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::rsub(a->t, dt::scalar(b)));)
}

dt_tensor *dt_rdiv_scalar(const dt_tensor *a, dt_scalar b, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::mul(at::reciprocal(a->t), dt::scalar(b)));)
}

dt_tensor *dt_maximum(const dt_tensor *a, const dt_tensor *b, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::maximum(a->t, b->t));)
}

dt_tensor *dt_minimum(const dt_tensor *a, const dt_tensor *b, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::minimum(a->t, b->t));)
}

dt_tensor *dt_logical_and(const dt_tensor *a, const dt_tensor *b, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::logical_and(a->t, b->t));)
}

dt_tensor *dt_logical_or(const dt_tensor *a, const dt_tensor *b, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::logical_or(a->t, b->t));)
}

DT_UNARY(neg, at::neg)
DT_UNARY(abs, at::abs)
DT_UNARY(exp, at::exp)
DT_UNARY(log, at::log)
DT_UNARY(log1p, at::log1p)
DT_UNARY(sqrt, at::sqrt)
DT_UNARY(rsqrt, at::rsqrt)
DT_UNARY(reciprocal, at::reciprocal)
DT_UNARY(square, at::square)
DT_UNARY(sign, at::sign)
DT_UNARY(floor, at::floor)
DT_UNARY(ceil, at::ceil)
DT_UNARY(round, at::round)
DT_UNARY(sin, at::sin)
DT_UNARY(cos, at::cos)
DT_UNARY(relu, at::relu)
DT_UNARY(sigmoid, at::sigmoid)
DT_UNARY(tanh, at::tanh)
DT_UNARY(logical_not, at::logical_not)
DT_UNARY(isnan, at::isnan)
DT_UNARY(isfinite, at::isfinite)

static c10::optional<at::Scalar> bound(bool has, dt_scalar v) {
  if (!has) return c10::nullopt;
  return dt::scalar(v);
}

dt_tensor *dt_clamp(const dt_tensor *a, bool has_min, dt_scalar min, bool has_max, dt_scalar max, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::clamp(a->t, bound(has_min, min), bound(has_max, max)));)
}

dt_tensor *dt_clamp_tensor(const dt_tensor *a, const dt_tensor *min, const dt_tensor *max, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::clamp(a->t, dt::optional(min), dt::optional(max)));)
}

dt_tensor *dt_where(const dt_tensor *cond, const dt_tensor *a, const dt_tensor *b, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::where(cond->t, a->t, b->t));)
}

dt_tensor *dt_leaky_relu(const dt_tensor *a, double slope, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::leaky_relu(a->t, slope));)
}

dt_tensor *dt_softmax(const dt_tensor *a, int64_t dim, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::softmax(a->t, dim));)
}

dt_tensor *dt_log_softmax(const dt_tensor *a, int64_t dim, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::log_softmax(a->t, dim));)
}

// In place: the handle keeps pointing at the same storage, now modified.
void dt_add_(dt_tensor *t, const dt_tensor *other, dt_scalar alpha, dt_error *err) {
  DT_PROTECT(err, , t->t.add_(other->t, dt::scalar(alpha)); return;)
}

void dt_add_scalar_(dt_tensor *t, dt_scalar v, dt_error *err) { DT_PROTECT(err, , t->t.add_(dt::scalar(v)); return;) }

void dt_mul_(dt_tensor *t, const dt_tensor *other, dt_error *err) { DT_PROTECT(err, , t->t.mul_(other->t); return;) }

void dt_mul_scalar_(dt_tensor *t, dt_scalar v, dt_error *err) { DT_PROTECT(err, , t->t.mul_(dt::scalar(v)); return;) }

void dt_addcmul_(dt_tensor *t, const dt_tensor *a, const dt_tensor *b, dt_scalar value, dt_error *err) {
  DT_PROTECT(err, , t->t.addcmul_(a->t, b->t, dt::scalar(value)); return;)
}

void dt_addcdiv_(dt_tensor *t, const dt_tensor *a, const dt_tensor *b, dt_scalar value, dt_error *err) {
  DT_PROTECT(err, , t->t.addcdiv_(a->t, b->t, dt::scalar(value)); return;)
}

void dt_copy_(dt_tensor *dst, const dt_tensor *src, dt_error *err) { DT_PROTECT(err, , dst->t.copy_(src->t); return;) }

void dt_fill_(dt_tensor *t, dt_scalar v, dt_error *err) { DT_PROTECT(err, , t->t.fill_(dt::scalar(v)); return;) }

void dt_zero_(dt_tensor *t, dt_error *err) { DT_PROTECT(err, , t->t.zero_(); return;) }

void dt_clamp_(dt_tensor *t, bool has_min, dt_scalar min, bool has_max, dt_scalar max, dt_error *err) {
  DT_PROTECT(err, , t->t.clamp_(bound(has_min, min), bound(has_max, max)); return;)
}

void dt_clamp_tensor_(dt_tensor *t, const dt_tensor *min, const dt_tensor *max, dt_error *err) {
  DT_PROTECT(err, , t->t.clamp_(dt::optional(min), dt::optional(max)); return;)
}

}  // extern "C"

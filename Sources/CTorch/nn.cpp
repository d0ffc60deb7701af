// nn.cpp: the functional neural-network ops layers and attacks are built from.
#include "internal.h"

extern "C" {

dt_tensor *dt_conv2d(const dt_tensor *x, const dt_tensor *w, const dt_tensor *b, const int64_t *stride,
                     const int64_t *padding, const int64_t *dilation, int64_t groups, dt_error *err) {
  DT_PROTECT(err, nullptr, {
    return dt::wrap(at::conv2d(x->t, w->t, dt::optional(b), dt::ints(stride, 2), dt::ints(padding, 2),
                               dt::ints(dilation, 2), groups));
  })
}

dt_tensor *dt_linear(const dt_tensor *x, const dt_tensor *w, const dt_tensor *b, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::linear(x->t, w->t, dt::optional(b)));)
}

dt_tensor *dt_batch_norm(const dt_tensor *x, const dt_tensor *weight, const dt_tensor *bias,
                         const dt_tensor *running_mean, const dt_tensor *running_var, bool training, double momentum,
                         double eps, dt_error *err) {
  DT_PROTECT(err, nullptr, {
    return dt::wrap(at::batch_norm(x->t, dt::optional(weight), dt::optional(bias), dt::optional(running_mean),
                                   dt::optional(running_var), training, momentum, eps, /*cudnn_enabled=*/true));
  })
}

dt_tensor *dt_max_pool2d(const dt_tensor *x, const int64_t *kernel, const int64_t *stride, const int64_t *padding,
                         const int64_t *dilation, bool ceil_mode, dt_error *err) {
  DT_PROTECT(err, nullptr, {
    return dt::wrap(at::max_pool2d(x->t, dt::ints(kernel, 2), dt::ints(stride, 2), dt::ints(padding, 2),
                                   dt::ints(dilation, 2), ceil_mode));
  })
}

dt_tensor *dt_avg_pool2d(const dt_tensor *x, const int64_t *kernel, const int64_t *stride, const int64_t *padding,
                         bool ceil_mode, bool count_include_pad, dt_error *err) {
  DT_PROTECT(err, nullptr, {
    return dt::wrap(at::avg_pool2d(x->t, dt::ints(kernel, 2), dt::ints(stride, 2), dt::ints(padding, 2), ceil_mode,
                                   count_include_pad));
  })
}

dt_tensor *dt_adaptive_avg_pool2d(const dt_tensor *x, const int64_t *output_size, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::adaptive_avg_pool2d(x->t, dt::ints(output_size, 2)));)
}

dt_tensor *dt_dropout(const dt_tensor *x, double p, bool training, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::dropout(x->t, p, training));)
}

dt_tensor *dt_cross_entropy(const dt_tensor *logits, const dt_tensor *target, int64_t reduction,
                            double label_smoothing, dt_error *err) {
  DT_PROTECT(err, nullptr, {
    return dt::wrap(at::cross_entropy_loss(logits->t, target->t, c10::nullopt, reduction, -100, label_smoothing));
  })
}

dt_tensor *dt_nll_loss(const dt_tensor *logp, const dt_tensor *target, int64_t reduction, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::nll_loss(logp->t, target->t, c10::nullopt, reduction));)
}

dt_tensor *dt_kl_div(const dt_tensor *input, const dt_tensor *target, int64_t reduction, bool log_target,
                     dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::kl_div(input->t, target->t, reduction, log_target));)
}

dt_tensor *dt_mse_loss(const dt_tensor *input, const dt_tensor *target, int64_t reduction, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::mse_loss(input->t, target->t, reduction));)
}

}  // extern "C"

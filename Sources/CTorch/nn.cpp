// nn.cpp: the functional neural-network ops layers and attacks are built from.
#include "internal.h"

extern "C" {

dt_tensor *dt_conv2d(const dt_tensor *x, const dt_tensor *w, const dt_tensor *b, const int64_t *stride,
                     const int64_t *padding, const int64_t *dilation, int64_t groups, dt_error *err) {
  DT_PROTECT(err, nullptr, {
    at::Tensor y = dt::winograd_conv2d(x->t, w->t, dt::optional(b), dt::ints(stride, 2), dt::ints(padding, 2),
                                       dt::ints(dilation, 2), groups);
    if (y.defined()) return dt::wrap(y);
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
  DT_PROTECT(err, nullptr, {
    const at::Tensor &t = x->t;
    // Global pooling of a channels-last batch as a mean over the NHWC view's H·W rows. libtorch's
    // own (1, 1) pooling hands back an NCHW gradient, so the last ReLU's backward and the last
    // convolution's backward each convert it back (docs/benchmarks.md "Channels-last on the CPU");
    // the mean's gradient keeps the NHWC view's layout.
    if (output_size[0] == 1 && output_size[1] == 1 && t.dim() == 4 && t.size(1) > 1
        && t.is_contiguous(at::MemoryFormat::ChannelsLast)) {
      const int64_t n = t.size(0), c = t.size(1);
      return dt::wrap(t.permute({0, 2, 3, 1}).reshape({n, -1, c}).mean(1).view({n, c, 1, 1}));
    }
    return dt::wrap(at::adaptive_avg_pool2d(t, dt::ints(output_size, 2)));
  })
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

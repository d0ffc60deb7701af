// onednn_conv.cpp: convolutions deat runs through oneDNN itself, beside libtorch's own path
// (docs/benchmarks.md "Winograd convolutions", "Blocked activations"). Two uses:
//
// - Winograd. libtorch 1.13 asks oneDNN for direct convolutions only; on AVX-512 oneDNN's Winograd
//   F(4×4, 3×3) kernels run PreActResNet-18's 3×3 layers 2–3× faster in all three passes, at
//   float32 with a rounding error a few times the direct kernels' (tests compare both to 1e-4). A
//   thread-local switch (like autocast) selects them: dt_conv2d calls dt::winograd_conv2d, which
//   returns an undefined tensor when the switch is off or the convolution does not qualify (not CPU
//   float32, not 3×3 stride 1 dilation 1 groups 1, fewer than 16 input or output channels, autocast
//   on, or oneDNN has no Winograd kernel for the shape), and dt_conv2d then calls at::conv2d.
// - Blocked activations (dt_conv2d_blocked). libtorch hands oneDNN NCHW tensors, and oneDNN's
//   kernels read and write a blocked layout (nChw16c), so every convolution reorders its input, its
//   output and both gradients. Between two convolutions with only a ReLU between them (SmallCNN) the
//   activations can stay blocked, as a [N, C/16, H, W, 16] tensor: the same kernels without the
//   reorders, and the same values, except that oneDNN's backward-weights pass may sum in another
//   order when its output gradient arrives blocked (SmallCNN's one-channel conv1: rounding apart).
//
// Both are one custom autograd function over oneDNN's direct or Winograd primitives, built once per
// shape and layout. Its backward runs oneDNN's backward-data and backward-weights passes, unless the
// backward itself is being recorded (create_graph, as in GradAlign's gradient-alignment term): then it
// runs at::convolution_backward, which libtorch can differentiate again. Built only where the oneDNN
// headers and library are libtorch's own (Debian's libtorch-dev links the system libdnnl;
// Package.swift defines DT_WITH_ONEDNN there); other builds report both unavailable.
#include "internal.h"

namespace {
thread_local bool winograd_on = false;
thread_local uint64_t winograd_forwards = 0;  // forward passes this thread ran through Winograd
thread_local uint64_t blocked_forwards = 0;   // and with a blocked input or output
}  // namespace

#ifdef DT_WITH_ONEDNN

#include <ATen/autocast_mode.h>
#include <oneapi/dnnl/dnnl.hpp>
#include <torch/csrc/autograd/custom_function.h>

#include <map>
#include <memory>
#include <mutex>
#include <tuple>

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dtype = memory::data_type;

dnnl::engine &cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// One convolution shape's primitives, built once (oneDNN's primitive creation costs milliseconds).
struct Plan {
  memory::desc user_src, user_wei, user_dst, bias;
  dnnl::convolution_forward::primitive_desc fwd;
  dnnl::convolution_backward_data::primitive_desc bwd_data;
  dnnl::convolution_backward_weights::primitive_desc bwd_weights;
  dnnl::convolution_forward fwd_prim;
  dnnl::convolution_backward_data bwd_data_prim;
  dnnl::convolution_backward_weights bwd_weights_prim;
};

// How a tensor handed to or returned by the op lays out its [N, C, H, W] values.
enum Layout : int32_t { kNCHW = 0, kNHWC = 1, kBlocked = 2 };  // kBlocked: [N, C/16, H, W, 16], contiguous

struct Key {
  int64_t n, c, h, w, oc, kh, kw, sh, sw, ph, pw;
  bool has_bias, winograd;
  int32_t src_layout, dst_layout;
  auto tie() const { return std::tie(n, c, h, w, oc, kh, kw, sh, sw, ph, pw, has_bias, winograd, src_layout, dst_layout); }
  bool operator<(const Key &o) const { return tie() < o.tie(); }
};

tag tag_of(int32_t layout) {
  switch (layout) {
    case kNHWC: return tag::nhwc;
    case kBlocked: return tag::nChw16c;
    default: return tag::nchw;
  }
}

// nullptr for a shape oneDNN has no kernel for (remembered, so it is asked once).
std::shared_ptr<Plan> plan_for(const Key &k) {
  static std::mutex lock;
  static std::map<Key, std::shared_ptr<Plan>> plans;
  std::lock_guard<std::mutex> guard(lock);
  auto found = plans.find(k);
  if (found != plans.end()) return found->second;
  std::shared_ptr<Plan> plan;
  try {
    const int64_t oh = (k.h + 2 * k.ph - k.kh) / k.sh + 1, ow = (k.w + 2 * k.pw - k.kw) / k.sw + 1;
    const memory::dims src{k.n, k.c, k.h, k.w}, wei{k.oc, k.c, k.kh, k.kw}, dst{k.n, k.oc, oh, ow};
    const memory::dims strides{k.sh, k.sw}, pad{k.ph, k.pw}, bias_dims{k.oc};
    const memory::desc any_src(src, dtype::f32, tag::any), any_wei(wei, dtype::f32, tag::any),
        any_dst(dst, dtype::f32, tag::any), bias(bias_dims, dtype::f32, tag::a);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    const auto alg = k.winograd ? dnnl::algorithm::convolution_winograd : dnnl::algorithm::convolution_direct;
    auto fwd_desc = k.has_bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, alg, any_src, any_wei,
                                                                  bias, any_dst, strides, pad, pad)
                               : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, alg, any_src, any_wei,
                                                                  any_dst, strides, pad, pad);
    dnnl::convolution_forward::primitive_desc fwd(fwd_desc, attr, cpu_engine());
    dnnl::convolution_backward_data::primitive_desc bwd_data(
        dnnl::convolution_backward_data::desc(alg, any_src, any_wei, any_dst, strides, pad, pad), attr, cpu_engine(), fwd);
    auto bw_desc = k.has_bias ? dnnl::convolution_backward_weights::desc(alg, any_src, any_wei, bias, any_dst, strides, pad, pad)
                              : dnnl::convolution_backward_weights::desc(alg, any_src, any_wei, any_dst, strides, pad, pad);
    dnnl::convolution_backward_weights::primitive_desc bwd_weights(bw_desc, attr, cpu_engine(), fwd);
    plan = std::make_shared<Plan>(Plan{memory::desc(src, dtype::f32, tag_of(k.src_layout)), memory::desc(wei, dtype::f32, tag::oihw),
                                       memory::desc(dst, dtype::f32, tag_of(k.dst_layout)), bias, fwd, bwd_data, bwd_weights,
                                       dnnl::convolution_forward(fwd), dnnl::convolution_backward_data(bwd_data),
                                       dnnl::convolution_backward_weights(bwd_weights)});
  } catch (const dnnl::error &) {
    plan = nullptr;  // no implementation for this shape on this CPU: at::conv2d runs it
  }
  plans.emplace(k, plan);
  return plan;
}

// Memory libtorch's allocator owns, for oneDNN's blocked copies and scratchpads.
at::Tensor buffer(const memory::desc &md) {
  return at::empty({static_cast<int64_t>(md.get_size())}, at::TensorOptions().dtype(at::kByte));
}

// The calling thread's stream: execution stays on this thread, whose OpenMP team oneDNN uses.
dnnl::stream &cpu_stream() {
  thread_local dnnl::stream stream(cpu_engine());
  return stream;
}

// `t` (laid out as `user`) in the primitive's layout `want`: itself when they agree, else a reorder
// into `keep` (which holds the bytes until the caller is done).
memory in_layout(const at::Tensor &t, const memory::desc &user, const memory::desc &want, at::Tensor &keep) {
  memory mem(user, cpu_engine(), t.data_ptr());
  if (user == want) return mem;
  keep = buffer(want);
  memory out(want, cpu_engine(), keep.data_ptr());
  dnnl::reorder(mem, out).execute(cpu_stream(), mem, out);
  return out;
}

// Where a primitive writes a result that belongs in `t` (laid out as `user`): t itself when the
// layouts agree, else a buffer that copy_back then reorders into t.
struct Output {
  memory user_mem, mem;
  at::Tensor keep;
  Output(const at::Tensor &t, const memory::desc &user, const memory::desc &want)
      : user_mem(user, cpu_engine(), t.data_ptr()) {
    if (user == want) {
      mem = user_mem;
    } else {
      keep = buffer(want);
      mem = memory(want, cpu_engine(), keep.data_ptr());
    }
  }
  void copy_back() {
    if (keep.defined()) dnnl::reorder(mem, user_mem).execute(cpu_stream(), mem, user_mem);
  }
};

at::MemoryFormat format_of(int32_t layout) {
  return layout == kNHWC ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
}

// The op's settings beside its tensors; `key` completes them with the shapes.
struct Settings {
  int64_t sh, sw, ph, pw;
  bool winograd;
  int32_t src_layout, dst_layout;

  Key key(const at::Tensor &x, const at::Tensor &w, bool has_bias) const {
    const int64_t c = src_layout == kBlocked ? x.size(1) * 16 : x.size(1);
    return Key{x.size(0), c, x.size(2), x.size(3), w.size(0), w.size(2), w.size(3), sh, sw, ph, pw, has_bias, winograd,
               src_layout, dst_layout};
  }
};

// An [N, C, H, W] tensor in `layout`'s shape: itself, or [N, C/16, H, W, 16] blocked.
at::Tensor empty_in(int32_t layout, int64_t n, int64_t c, int64_t h, int64_t w, const at::TensorOptions &options) {
  if (layout == kBlocked) return at::empty({n, c / 16, h, w, 16}, options);
  return at::empty({n, c, h, w}, options.memory_format(format_of(layout)));
}

// Blocked [N, C/16, H, W, 16] ↔ NCHW [N, C, H, W], with libtorch's differentiable ops (for the
// recorded backward).
at::Tensor blocked_to_nchw(const at::Tensor &t) {
  return t.permute({0, 1, 4, 2, 3}).reshape({t.size(0), t.size(1) * 16, t.size(2), t.size(3)});
}
at::Tensor nchw_to_blocked(const at::Tensor &t) {
  return t.reshape({t.size(0), t.size(1) / 16, 16, t.size(2), t.size(3)}).permute({0, 1, 3, 4, 2}).contiguous();
}

at::Tensor forward_pass(const Plan &p, const at::Tensor &x, const at::Tensor &w, const at::Tensor &b, int32_t dst_layout) {
  const auto &dst = p.user_dst.dims();
  at::Tensor y = empty_in(dst_layout, dst[0], dst[1], dst[2], dst[3], x.options());
  at::Tensor keep_x, keep_w, scratch = buffer(p.fwd.scratchpad_desc());
  memory src = in_layout(x, p.user_src, p.fwd.src_desc(), keep_x);
  memory wei = in_layout(w, p.user_wei, p.fwd.weights_desc(), keep_w);
  Output out(y, p.user_dst, p.fwd.dst_desc());
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, out.mem},
                                       {DNNL_ARG_SCRATCHPAD, memory(p.fwd.scratchpad_desc(), cpu_engine(), scratch.data_ptr())}};
  if (b.defined()) args.emplace(DNNL_ARG_BIAS, memory(p.bias, cpu_engine(), b.data_ptr()));
  p.fwd_prim.execute(cpu_stream(), args);
  out.copy_back();
  cpu_stream().wait();
  return y;
}

// diff_dst is the output gradient already in the layout the pass reads (one reorder serves both).
at::Tensor backward_data_pass(const Plan &p, const memory &diff_dst, const at::Tensor &w, const at::Tensor &x,
                              int32_t src_layout) {
  at::Tensor gx = at::empty(x.sizes(), x.options().memory_format(format_of(src_layout)));
  at::Tensor keep_w, scratch = buffer(p.bwd_data.scratchpad_desc());
  memory wei = in_layout(w, p.user_wei, p.bwd_data.weights_desc(), keep_w);
  Output out(gx, p.user_src, p.bwd_data.diff_src_desc());
  p.bwd_data_prim.execute(cpu_stream(), {{DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DIFF_SRC, out.mem},
                                         {DNNL_ARG_SCRATCHPAD, memory(p.bwd_data.scratchpad_desc(), cpu_engine(), scratch.data_ptr())}});
  out.copy_back();
  cpu_stream().wait();
  return gx;
}

std::pair<at::Tensor, at::Tensor> backward_weights_pass(const Plan &p, const at::Tensor &x, const memory &diff_dst,
                                                        const at::Tensor &w, bool has_bias) {
  at::Tensor gw = at::empty(w.sizes(), w.options().memory_format(at::MemoryFormat::Contiguous));
  at::Tensor gb = has_bias ? at::empty({w.size(0)}, w.options()) : at::Tensor();
  at::Tensor keep_x, scratch = buffer(p.bwd_weights.scratchpad_desc());
  memory src = in_layout(x, p.user_src, p.bwd_weights.src_desc(), keep_x);
  Output out(gw, p.user_wei, p.bwd_weights.diff_weights_desc());
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_DIFF_WEIGHTS, out.mem},
      {DNNL_ARG_SCRATCHPAD, memory(p.bwd_weights.scratchpad_desc(), cpu_engine(), scratch.data_ptr())}};
  if (has_bias) args.emplace(DNNL_ARG_DIFF_BIAS, memory(p.bias, cpu_engine(), gb.data_ptr()));
  p.bwd_weights_prim.execute(cpu_stream(), args);
  out.copy_back();
  cpu_stream().wait();
  return {gw, gb};
}

struct OneDNNConv2d : public torch::autograd::Function<OneDNNConv2d> {
  // x in the settings' src layout, w contiguous OIHW, b contiguous or empty (no bias); `plan` is the
  // one onednn_conv2d looked up for them (the backward looks it up again: only tensors and IValues
  // can be saved).
  static at::Tensor forward(torch::autograd::AutogradContext *ctx, const at::Tensor &x, const at::Tensor &w,
                            const at::Tensor &b, const Settings &s, const std::shared_ptr<Plan> &plan) {
    ctx->save_for_backward({x, w});
    const bool has_bias = b.numel() > 0;
    ctx->saved_data["settings"] = std::vector<int64_t>{s.sh, s.sw, s.ph, s.pw, s.winograd, s.src_layout, s.dst_layout, has_bias};
    return forward_pass(*plan, x, w, has_bias ? b : at::Tensor(), s.dst_layout);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor &x = saved[0], &w = saved[1];
    const auto v = ctx->saved_data["settings"].toIntVector();
    const Settings s{v[0], v[1], v[2], v[3], v[4] != 0, static_cast<int32_t>(v[5]), static_cast<int32_t>(v[6])};
    const bool has_bias = v[7] != 0;
    const bool need_x = ctx->needs_input_grad(0), need_w = ctx->needs_input_grad(1), need_b = ctx->needs_input_grad(2);
    at::Tensor gx, gw, gb;
    if (grads[0].defined()) {
      const at::Tensor g = grads[0].contiguous(format_of(s.dst_layout));
      if (at::GradMode::is_enabled()) {
        // The backward is being recorded for a second derivative: libtorch's differentiable form,
        // on NCHW views of blocked tensors.
        const at::Tensor xn = s.src_layout == kBlocked ? blocked_to_nchw(x) : x;
        const at::Tensor gn = s.dst_layout == kBlocked ? blocked_to_nchw(g) : g;
        std::tie(gx, gw, gb) = at::convolution_backward(
            gn, xn, w, has_bias ? c10::optional<at::IntArrayRef>(at::IntArrayRef{w.size(0)}) : c10::nullopt,
            {s.sh, s.sw}, {s.ph, s.pw}, {1, 1}, false, {0, 0}, 1, {need_x, need_w, need_b && has_bias});
        if (gx.defined() && s.src_layout == kBlocked) gx = nchw_to_blocked(gx);
      } else {
        const Plan &p = *plan_for(s.key(x, w, has_bias));
        // The output gradient in the two passes' layouts: one reorder when they read the same one.
        at::Tensor keep_data, keep_weights;
        memory g_data, g_weights;
        if (need_x) g_data = in_layout(g, p.user_dst, p.bwd_data.diff_dst_desc(), keep_data);
        if (need_w || need_b) {
          g_weights = need_x && p.bwd_weights.diff_dst_desc() == p.bwd_data.diff_dst_desc()
              ? g_data
              : in_layout(g, p.user_dst, p.bwd_weights.diff_dst_desc(), keep_weights);
        }
        if (need_x) gx = backward_data_pass(p, g_data, w, x, s.src_layout);
        if (need_w || need_b) std::tie(gw, gb) = backward_weights_pass(p, x, g_weights, w, has_bias);
      }
    }
    torch::autograd::variable_list out(5);  // one per forward argument
    out[0] = need_x ? gx : at::Tensor();
    out[1] = need_w ? gw : at::Tensor();
    out[2] = need_b ? gb : at::Tensor();
    return out;
  }
};

bool f32_cpu(const at::Tensor &t) { return t.device().is_cpu() && t.scalar_type() == at::kFloat; }

// The op, or an undefined tensor when oneDNN has no kernel for it.
at::Tensor onednn_conv2d(const at::Tensor &x, const at::Tensor &w, const at::Tensor &b, const Settings &s) {
  const std::shared_ptr<Plan> plan = plan_for(s.key(x, w, b.defined()));
  if (plan == nullptr) return at::Tensor();
  // Without a bias an empty stand-in: the autograd function's tensor arguments must be defined.
  return OneDNNConv2d::apply(x.contiguous(format_of(s.src_layout)), w.contiguous(),
                             b.defined() ? b.contiguous() : at::empty({0}, w.options()), s, plan);
}

}  // namespace

namespace dt {

bool winograd_available() { return true; }

at::Tensor winograd_conv2d(const at::Tensor &x, const at::Tensor &w, const c10::optional<at::Tensor> &bias,
                           at::IntArrayRef stride, at::IntArrayRef padding, at::IntArrayRef dilation, int64_t groups) {
  if (!winograd_on || at::autocast::is_cpu_enabled()) return at::Tensor();
  const at::Tensor b = bias.has_value() ? *bias : at::Tensor();
  if (x.dim() != 4 || w.dim() != 4 || !f32_cpu(x) || !f32_cpu(w) || (b.defined() && !f32_cpu(b)) || groups != 1
      || w.size(2) != 3 || w.size(3) != 3 || w.size(1) != x.size(1) || stride != at::IntArrayRef{1, 1}
      || dilation != at::IntArrayRef{1, 1} || padding.size() != 2)
    return at::Tensor();
  // A stem convolution on 1–3 image channels stays direct: Winograd's input and output transforms
  // cost more than its cheaper products save there (SmallCNN's 1→32 conv1 ran slower through it).
  if (x.size(1) < 16 || w.size(0) < 16) return at::Tensor();
  if (x.size(2) + 2 * padding[0] < 3 || x.size(3) + 2 * padding[1] < 3) return at::Tensor();
  // Channels-last when x's strides say so (unambiguous with 16+ channels); otherwise NCHW.
  const int32_t layout = x.suggest_memory_format() == at::MemoryFormat::ChannelsLast ? kNHWC : kNCHW;
  at::Tensor y = onednn_conv2d(x, w, b, Settings{1, 1, padding[0], padding[1], true, layout, layout});
  if (y.defined()) ++winograd_forwards;
  return y;
}

bool blocked_conv_available() { return true; }

at::Tensor blocked_conv2d(const at::Tensor &x, const at::Tensor &w, const c10::optional<at::Tensor> &bias,
                          at::IntArrayRef stride, at::IntArrayRef padding, bool src_blocked, bool dst_blocked) {
  const at::Tensor b = bias.has_value() ? *bias : at::Tensor();
  if (at::autocast::is_cpu_enabled() || !f32_cpu(x) || !f32_cpu(w) || (b.defined() && !f32_cpu(b)) || w.dim() != 4
      || x.dim() != (src_blocked ? 5 : 4) || (src_blocked && x.size(4) != 16) || w.size(0) % (dst_blocked ? 16 : 1) != 0
      || w.size(1) != (src_blocked ? x.size(1) * 16 : x.size(1)) || stride.size() != 2 || padding.size() != 2)
    return at::Tensor();
  at::Tensor y = onednn_conv2d(x, w, b, Settings{stride[0], stride[1], padding[0], padding[1], false,
                                                src_blocked ? kBlocked : kNCHW, dst_blocked ? kBlocked : kNCHW});
  if (y.defined()) ++blocked_forwards;
  return y;
}

}  // namespace dt

#else  // no oneDNN headers in this build

namespace dt {

bool winograd_available() { return false; }

at::Tensor winograd_conv2d(const at::Tensor &, const at::Tensor &, const c10::optional<at::Tensor> &, at::IntArrayRef,
                           at::IntArrayRef, at::IntArrayRef, int64_t) {
  return at::Tensor();
}

bool blocked_conv_available() { return false; }

at::Tensor blocked_conv2d(const at::Tensor &, const at::Tensor &, const c10::optional<at::Tensor> &, at::IntArrayRef,
                          at::IntArrayRef, bool, bool) {
  return at::Tensor();
}

}  // namespace dt

#endif

extern "C" {

bool dt_winograd_available(void) { return dt::winograd_available(); }

bool dt_set_winograd(bool on) {
  const bool previous = winograd_on;
  winograd_on = on && dt::winograd_available();
  return previous;
}

bool dt_winograd_enabled(void) { return winograd_on; }

uint64_t dt_winograd_forwards(void) { return winograd_forwards; }

uint64_t dt_blocked_forwards(void) { return blocked_forwards; }

dt_tensor *dt_conv2d_blocked(const dt_tensor *x, const dt_tensor *w, const dt_tensor *b, const int64_t *stride,
                             const int64_t *padding, bool src_blocked, bool dst_blocked, dt_error *err) {
  DT_PROTECT(err, nullptr, {
    at::Tensor y = dt::blocked_conv2d(x->t, w->t, dt::optional(b), dt::ints(stride, 2), dt::ints(padding, 2), src_blocked,
                                      dst_blocked);
    return y.defined() ? dt::wrap(y) : nullptr;
  })
}

}  // extern "C"

// winograd.cpp: 3×3 stride-1 convolutions through oneDNN's Winograd F(4×4, 3×3) kernels on the CPU
// (docs/benchmarks.md "Winograd convolutions"). libtorch 1.13 asks oneDNN for direct convolutions
// only; on AVX-512 the Winograd kernels run PreActResNet-18's 3×3 layers 2–3× faster in all three
// passes (forward, backward data, backward weights), at float32 with a rounding error a few times
// the direct kernels' (tests compare both to 1e-4).
//
// A thread-local switch (like autocast) selects them: dt_conv2d calls dt::winograd_conv2d, which
// returns an undefined tensor when the switch is off or the convolution does not qualify (not CPU
// float32, not 3×3 stride 1 dilation 1 groups 1, fewer than 16 input or output channels, autocast
// on, or oneDNN has no Winograd kernel for the shape), and dt_conv2d then calls at::conv2d as before. Built only where the oneDNN
// headers and library are libtorch's own (Debian's libtorch-dev links the system libdnnl;
// Package.swift defines DT_WITH_ONEDNN there); other builds report it unavailable.
//
// The op is a custom autograd function: its backward runs oneDNN's Winograd backward-data and
// backward-weights passes, unless the backward itself is being recorded (create_graph, as in
// GradAlign's gradient-alignment term): then it runs at::convolution_backward, which libtorch can
// differentiate again.
#include "internal.h"

namespace {
thread_local bool winograd_on = false;
thread_local uint64_t winograd_forwards = 0;  // forward passes this thread ran through Winograd
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

using Key = std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, bool, bool>;

// nullptr for a shape oneDNN has no Winograd kernel for (remembered, so it is asked once).
std::shared_ptr<Plan> plan_for(const Key &key) {
  static std::mutex lock;
  static std::map<Key, std::shared_ptr<Plan>> plans;
  std::lock_guard<std::mutex> guard(lock);
  auto found = plans.find(key);
  if (found != plans.end()) return found->second;
  const auto [n, c, h, w, oc, ph, pw, has_bias, nhwc] = key;
  std::shared_ptr<Plan> plan;
  try {
    const memory::dims src{n, c, h, w}, wei{oc, c, 3, 3}, dst{n, oc, h + 2 * ph - 2, w + 2 * pw - 2};
    const memory::dims strides{1, 1}, pad{ph, pw}, bias_dims{oc};
    const tag layout = nhwc ? tag::nhwc : tag::nchw;
    const memory::desc any_src(src, dtype::f32, tag::any), any_wei(wei, dtype::f32, tag::any),
        any_dst(dst, dtype::f32, tag::any), bias(bias_dims, dtype::f32, tag::a);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    const auto alg = dnnl::algorithm::convolution_winograd;
    auto fwd_desc = has_bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, alg, any_src, any_wei,
                                                                bias, any_dst, strides, pad, pad)
                             : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, alg, any_src, any_wei,
                                                                any_dst, strides, pad, pad);
    dnnl::convolution_forward::primitive_desc fwd(fwd_desc, attr, cpu_engine());
    dnnl::convolution_backward_data::primitive_desc bwd_data(
        dnnl::convolution_backward_data::desc(alg, any_src, any_wei, any_dst, strides, pad, pad), attr, cpu_engine(), fwd);
    auto bw_desc = has_bias ? dnnl::convolution_backward_weights::desc(alg, any_src, any_wei, bias, any_dst, strides, pad, pad)
                            : dnnl::convolution_backward_weights::desc(alg, any_src, any_wei, any_dst, strides, pad, pad);
    dnnl::convolution_backward_weights::primitive_desc bwd_weights(bw_desc, attr, cpu_engine(), fwd);
    plan = std::make_shared<Plan>(Plan{memory::desc(src, dtype::f32, layout), memory::desc(wei, dtype::f32, tag::oihw),
                                       memory::desc(dst, dtype::f32, layout), bias, fwd, bwd_data, bwd_weights,
                                       dnnl::convolution_forward(fwd), dnnl::convolution_backward_data(bwd_data),
                                       dnnl::convolution_backward_weights(bwd_weights)});
  } catch (const dnnl::error &) {
    plan = nullptr;  // no Winograd implementation for this shape on this CPU: at::conv2d runs it
  }
  plans.emplace(key, plan);
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

at::MemoryFormat format_of(bool nhwc) { return nhwc ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous; }

Key key_for(const at::Tensor &x, const at::Tensor &w, bool has_bias, int64_t ph, int64_t pw, bool nhwc) {
  return Key{x.size(0), x.size(1), x.size(2), x.size(3), w.size(0), ph, pw, has_bias, nhwc};
}

at::Tensor forward_pass(const Plan &p, const at::Tensor &x, const at::Tensor &w, const at::Tensor &b, bool nhwc) {
  const auto &dst = p.user_dst.dims();
  at::Tensor y = at::empty({dst[0], dst[1], dst[2], dst[3]}, x.options().memory_format(format_of(nhwc)));
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
at::Tensor backward_data_pass(const Plan &p, const memory &diff_dst, const at::Tensor &w, const at::Tensor &x, bool nhwc) {
  at::Tensor gx = at::empty(x.sizes(), x.options().memory_format(format_of(nhwc)));
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

struct WinogradConv2d : public torch::autograd::Function<WinogradConv2d> {
  // x in NCHW or NHWC (nhwc says which), w contiguous OIHW, b contiguous or undefined.
  static at::Tensor forward(torch::autograd::AutogradContext *ctx, const at::Tensor &x, const at::Tensor &w,
                            const at::Tensor &b, int64_t ph, int64_t pw, bool nhwc) {
    ctx->save_for_backward({x, w});
    ctx->saved_data["ph"] = ph;
    ctx->saved_data["pw"] = pw;
    ctx->saved_data["nhwc"] = nhwc;
    const bool has_bias = b.numel() > 0;
    ctx->saved_data["bias"] = has_bias;
    return forward_pass(*plan_for(key_for(x, w, has_bias, ph, pw, nhwc)), x, w, has_bias ? b : at::Tensor(), nhwc);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor &x = saved[0], &w = saved[1];
    const int64_t ph = ctx->saved_data["ph"].toInt(), pw = ctx->saved_data["pw"].toInt();
    const bool nhwc = ctx->saved_data["nhwc"].toBool(), has_bias = ctx->saved_data["bias"].toBool();
    const bool need_x = ctx->needs_input_grad(0), need_w = ctx->needs_input_grad(1), need_b = ctx->needs_input_grad(2);
    at::Tensor gx, gw, gb;
    if (grads[0].defined()) {
      const at::Tensor g = grads[0].contiguous(format_of(nhwc));
      if (at::GradMode::is_enabled()) {
        // The backward is being recorded for a second derivative: libtorch's differentiable form.
        std::tie(gx, gw, gb) = at::convolution_backward(
            g, x, w, has_bias ? c10::optional<at::IntArrayRef>(at::IntArrayRef{w.size(0)}) : c10::nullopt, {1, 1},
            {ph, pw}, {1, 1}, false, {0, 0}, 1, {need_x, need_w, need_b && has_bias});
      } else {
        const Plan &p = *plan_for(key_for(x, w, has_bias, ph, pw, nhwc));
        // The output gradient in the two passes' layouts: one reorder when they read the same one.
        at::Tensor keep_data, keep_weights;
        memory g_data, g_weights;
        if (need_x) g_data = in_layout(g, p.user_dst, p.bwd_data.diff_dst_desc(), keep_data);
        if (need_w || need_b) {
          g_weights = need_x && p.bwd_weights.diff_dst_desc() == p.bwd_data.diff_dst_desc()
              ? g_data
              : in_layout(g, p.user_dst, p.bwd_weights.diff_dst_desc(), keep_weights);
        }
        if (need_x) gx = backward_data_pass(p, g_data, w, x, nhwc);
        if (need_w || need_b) std::tie(gw, gb) = backward_weights_pass(p, x, g_weights, w, has_bias);
      }
    }
    return {need_x ? gx : at::Tensor(), need_w ? gw : at::Tensor(), need_b ? gb : at::Tensor(),
            at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

namespace dt {

bool winograd_available() { return true; }

at::Tensor winograd_conv2d(const at::Tensor &x, const at::Tensor &w, const c10::optional<at::Tensor> &bias,
                           at::IntArrayRef stride, at::IntArrayRef padding, at::IntArrayRef dilation, int64_t groups) {
  if (!winograd_on || at::autocast::is_cpu_enabled()) return at::Tensor();
  const at::Tensor b = bias.has_value() ? *bias : at::Tensor();
  const auto f32_cpu = [](const at::Tensor &t) { return t.device().is_cpu() && t.scalar_type() == at::kFloat; };
  if (x.dim() != 4 || w.dim() != 4 || !f32_cpu(x) || !f32_cpu(w) || (b.defined() && !f32_cpu(b)) || groups != 1
      || w.size(2) != 3 || w.size(3) != 3 || w.size(1) != x.size(1) || stride != at::IntArrayRef{1, 1}
      || dilation != at::IntArrayRef{1, 1} || padding.size() != 2)
    return at::Tensor();
  // A stem convolution on 1–3 image channels stays direct: Winograd's input and output transforms
  // cost more than its cheaper products save there (SmallCNN's 1→32 conv1 ran slower through it).
  if (x.size(1) < 16 || w.size(0) < 16) return at::Tensor();
  // Channels-last only when x says so unambiguously (more than one channel); otherwise NCHW.
  const bool nhwc = x.size(1) > 1 && x.suggest_memory_format() == at::MemoryFormat::ChannelsLast;
  const int64_t ph = padding[0], pw = padding[1];
  if (x.size(2) + 2 * ph < 3 || x.size(3) + 2 * pw < 3) return at::Tensor();
  if (plan_for(key_for(x, w, b.defined(), ph, pw, nhwc)) == nullptr) return at::Tensor();
  ++winograd_forwards;
  // Without a bias an empty stand-in: the autograd function's tensor arguments must be defined.
  return WinogradConv2d::apply(x.contiguous(format_of(nhwc)), w.contiguous(),
                               b.defined() ? b.contiguous() : at::empty({0}, w.options()), ph, pw, nhwc);
}

}  // namespace dt

#else  // no oneDNN headers in this build

namespace dt {

bool winograd_available() { return false; }

at::Tensor winograd_conv2d(const at::Tensor &, const at::Tensor &, const c10::optional<at::Tensor> &, at::IntArrayRef,
                           at::IntArrayRef, at::IntArrayRef, int64_t) {
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

}  // extern "C"

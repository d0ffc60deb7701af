/*
 * ctorch.h: the plain-C interface of deat's libtorch shim (docs/architecture.md §1, §9).
 *
 * Rules every function follows:
 *  - Tensors cross the boundary as opaque `dt_tensor *` handles. Every handle a function returns is
 *    new and owned by the caller, who frees it exactly once with dt_tensor_free (Swift: in deinit).
 *  - Every function that can fail takes a `dt_error *err` last. On failure it stores a malloc'd,
 *    NUL-terminated message (libtorch's own, without its C++ backtrace) in err->message and returns
 *    NULL / -1 / false; the caller frees the message with dt_error_free. No C++ exception ever
 *    crosses into the caller. There is no thread-local error slot: a Swift task may resume on
 *    another thread between two calls.
 *  - One function per libtorch op; no logic beyond argument conversion.
 *  - Devices are ints: -1 = CPU, n >= 0 = CUDA device n. Dtypes are c10::ScalarType values.
 *  - Optional tensor arguments are nullable pointers; optional scalars come with a has_ flag.
 *  - Reductions use libtorch's codes: 0 = none, 1 = mean, 2 = sum.
 */
#ifndef DEAT_CTORCH_H
#define DEAT_CTORCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dt_tensor dt_tensor;
typedef struct dt_generator dt_generator;

typedef struct dt_error {
  char *message; /* NULL when no error; malloc'd otherwise */
} dt_error;

/* A number with its kind kept, so that `i64 tensor + 1` stays i64 (kind: 0 float, 1 int, 2 bool). */
typedef struct dt_scalar {
  double f;
  int64_t i;
  int32_t kind;
} dt_scalar;

enum {
  DT_U8 = 0, DT_I8 = 1, DT_I16 = 2, DT_I32 = 3, DT_I64 = 4, DT_F16 = 5, DT_F32 = 6, DT_F64 = 7,
  DT_BOOL = 11, DT_BF16 = 15
};
enum { DT_DEVICE_CPU = -1 };

/* ---- runtime: errors, handles, threads, seeds, devices (runtime.cpp) ---- */
void dt_error_free(dt_error *err);
void dt_tensor_free(dt_tensor *t);
const char *dt_version(void); /* static string, e.g. "1.13.0" */
void dt_set_num_threads(int32_t n);
int32_t dt_get_num_threads(void);
/* Makes the calling thread's own libtorch loops serial (OpenMP thread count 1 for this thread only),
   for helper threads such as data loaders: see Runtime.makeThreadSerial. */
void dt_serial_thread(void);
void dt_manual_seed(uint64_t seed);
int32_t dt_cuda_device_count(void);
void dt_cuda_synchronize(int32_t device, dt_error *err);
bool dt_grad_enabled(void);
void dt_set_grad_enabled(bool enabled);
/* glibc mallopt for libtorch's CPU allocator: keep freed blocks instead of returning pages to the kernel. */
void dt_keep_freed_memory(void);

/* ---- tensor metadata and data transfer (tensor.cpp) ---- */
int64_t dt_tensor_dim(const dt_tensor *t);
void dt_tensor_sizes(const dt_tensor *t, int64_t *out);   /* out has dt_tensor_dim entries */
void dt_tensor_strides(const dt_tensor *t, int64_t *out); /* out has dt_tensor_dim entries */
int32_t dt_tensor_dtype(const dt_tensor *t);
int32_t dt_tensor_device(const dt_tensor *t);
int64_t dt_tensor_numel(const dt_tensor *t);
bool dt_tensor_is_contiguous(const dt_tensor *t);
dt_tensor *dt_tensor_shallow_clone(const dt_tensor *t, dt_error *err);
dt_tensor *dt_from_data(const void *data, const int64_t *sizes, size_t ndim, int32_t dtype, dt_error *err);
void dt_tensor_copy_data(const dt_tensor *t, void *dst, size_t nbytes, dt_error *err);
double dt_tensor_item(const dt_tensor *t, dt_error *err);
char *dt_tensor_to_string(const dt_tensor *t, dt_error *err); /* free with dt_string_free */
void dt_string_free(char *s);
dt_tensor *dt_to(const dt_tensor *t, int32_t device, int32_t dtype /* -1 keep */, bool non_blocking, dt_error *err);
dt_tensor *dt_contiguous(const dt_tensor *t, dt_error *err);
dt_tensor *dt_clone(const dt_tensor *t, dt_error *err);
dt_tensor *dt_detach(const dt_tensor *t, dt_error *err);

/* ---- creation and random numbers (creation.cpp) ---- */
dt_tensor *dt_zeros(const int64_t *sizes, size_t ndim, int32_t dtype, int32_t device, dt_error *err);
dt_tensor *dt_ones(const int64_t *sizes, size_t ndim, int32_t dtype, int32_t device, dt_error *err);
dt_tensor *dt_full(const int64_t *sizes, size_t ndim, dt_scalar value, int32_t dtype, int32_t device, dt_error *err);
dt_tensor *dt_arange(dt_scalar start, dt_scalar end, dt_scalar step, int32_t dtype, int32_t device, dt_error *err);
dt_generator *dt_generator_new(int32_t device, uint64_t seed, dt_error *err);
void dt_generator_free(dt_generator *g);
uint64_t dt_generator_seed(const dt_generator *g);
/* gen may be NULL (libtorch's default generator, seeded by dt_manual_seed). */
dt_tensor *dt_rand(const int64_t *sizes, size_t ndim, int32_t dtype, int32_t device, dt_generator *gen, dt_error *err);
dt_tensor *dt_randn(const int64_t *sizes, size_t ndim, int32_t dtype, int32_t device, dt_generator *gen, dt_error *err);
dt_tensor *dt_uniform(const int64_t *sizes, size_t ndim, double low, double high, int32_t dtype, int32_t device,
                      dt_generator *gen, dt_error *err);
dt_tensor *dt_randint(int64_t low, int64_t high, const int64_t *sizes, size_t ndim, int32_t device, dt_generator *gen,
                      dt_error *err);
dt_tensor *dt_randperm(int64_t n, int32_t device, dt_generator *gen, dt_error *err);
dt_tensor *dt_bernoulli(const dt_tensor *p, dt_generator *gen, dt_error *err);

/* ---- element-wise (pointwise.cpp) ---- */
#define DT_DECLARE_BINARY(name)                                                        \
  dt_tensor *dt_##name(const dt_tensor *a, const dt_tensor *b, dt_error *err);        \
  dt_tensor *dt_##name##_scalar(const dt_tensor *a, dt_scalar b, dt_error *err);
DT_DECLARE_BINARY(add)
DT_DECLARE_BINARY(sub)
DT_DECLARE_BINARY(mul)
DT_DECLARE_BINARY(div)
DT_DECLARE_BINARY(pow)
DT_DECLARE_BINARY(remainder)
DT_DECLARE_BINARY(eq)
DT_DECLARE_BINARY(ne)
DT_DECLARE_BINARY(lt)
DT_DECLARE_BINARY(le)
DT_DECLARE_BINARY(gt)
DT_DECLARE_BINARY(ge)
#undef DT_DECLARE_BINARY
dt_tensor *dt_rsub_scalar(const dt_tensor *a, dt_scalar b, dt_error *err); /* b - a */
dt_tensor *dt_rdiv_scalar(const dt_tensor *a, dt_scalar b, dt_error *err); /* b / a */
dt_tensor *dt_maximum(const dt_tensor *a, const dt_tensor *b, dt_error *err);
dt_tensor *dt_minimum(const dt_tensor *a, const dt_tensor *b, dt_error *err);
dt_tensor *dt_logical_and(const dt_tensor *a, const dt_tensor *b, dt_error *err);
dt_tensor *dt_logical_or(const dt_tensor *a, const dt_tensor *b, dt_error *err);

#define DT_DECLARE_UNARY(name) dt_tensor *dt_##name(const dt_tensor *a, dt_error *err);
DT_DECLARE_UNARY(neg)
DT_DECLARE_UNARY(abs)
DT_DECLARE_UNARY(exp)
DT_DECLARE_UNARY(log)
DT_DECLARE_UNARY(log1p)
DT_DECLARE_UNARY(sqrt)
DT_DECLARE_UNARY(rsqrt)
DT_DECLARE_UNARY(reciprocal)
DT_DECLARE_UNARY(square)
DT_DECLARE_UNARY(sign)
DT_DECLARE_UNARY(floor)
DT_DECLARE_UNARY(ceil)
DT_DECLARE_UNARY(round)
DT_DECLARE_UNARY(sin)
DT_DECLARE_UNARY(cos)
DT_DECLARE_UNARY(relu)
DT_DECLARE_UNARY(sigmoid)
DT_DECLARE_UNARY(tanh)
DT_DECLARE_UNARY(logical_not)
DT_DECLARE_UNARY(isnan)
DT_DECLARE_UNARY(isfinite)
#undef DT_DECLARE_UNARY
dt_tensor *dt_clamp(const dt_tensor *a, bool has_min, dt_scalar min, bool has_max, dt_scalar max, dt_error *err);
dt_tensor *dt_clamp_tensor(const dt_tensor *a, const dt_tensor *min, const dt_tensor *max, dt_error *err);
dt_tensor *dt_where(const dt_tensor *cond, const dt_tensor *a, const dt_tensor *b, dt_error *err);
dt_tensor *dt_leaky_relu(const dt_tensor *a, double slope, dt_error *err);
dt_tensor *dt_softmax(const dt_tensor *a, int64_t dim, dt_error *err);
dt_tensor *dt_log_softmax(const dt_tensor *a, int64_t dim, dt_error *err);

/* in place (optimisers, attacks): modify `t`, return nothing */
void dt_add_(dt_tensor *t, const dt_tensor *other, dt_scalar alpha, dt_error *err);
void dt_add_scalar_(dt_tensor *t, dt_scalar v, dt_error *err);
void dt_mul_(dt_tensor *t, const dt_tensor *other, dt_error *err);
void dt_mul_scalar_(dt_tensor *t, dt_scalar v, dt_error *err);
void dt_addcmul_(dt_tensor *t, const dt_tensor *a, const dt_tensor *b, dt_scalar value, dt_error *err);
void dt_addcdiv_(dt_tensor *t, const dt_tensor *a, const dt_tensor *b, dt_scalar value, dt_error *err);
void dt_copy_(dt_tensor *dst, const dt_tensor *src, dt_error *err);
void dt_fill_(dt_tensor *t, dt_scalar v, dt_error *err);
void dt_zero_(dt_tensor *t, dt_error *err);
void dt_clamp_(dt_tensor *t, bool has_min, dt_scalar min, bool has_max, dt_scalar max, dt_error *err);
void dt_clamp_tensor_(dt_tensor *t, const dt_tensor *min, const dt_tensor *max, dt_error *err);

/* The signed-gradient step of every L∞ attack and adversarial-training method, fused:
   clamp(clamp(v + step·sign(g), −eps, eps), low, high) in one pass over memory, each clamp only when
   asked (has_eps; low/high NULL for none). Bit-identical to the composed ops (step·sign(g) is exact). */
dt_tensor *dt_sign_step(const dt_tensor *v, const dt_tensor *g, double step, bool has_eps, double eps, const dt_tensor *low,
                        const dt_tensor *high, dt_error *err);

/* APGD's L∞ momentum step, fused (docs/attacks.md §6): with z = clamp(c + sign(g)·eta, low, high),
   clamp(c + (z − c)·a + (c − p)·(1 − a), low, high); eta has one entry per row of c. Bit-identical
   to those ops composed. */
dt_tensor *dt_apgd_step(const dt_tensor *current, const dt_tensor *previous, const dt_tensor *gradient, const dt_tensor *eta,
                        double a, const dt_tensor *low, const dt_tensor *high, dt_error *err);

/* ---- reductions and linear algebra (reduce.cpp) ---- */
/* dims == NULL / ndims == 0: over all elements. dtype -1: libtorch's default result type. */
dt_tensor *dt_sum(const dt_tensor *a, const int64_t *dims, size_t ndims, bool keepdim, int32_t dtype, dt_error *err);
dt_tensor *dt_mean(const dt_tensor *a, const int64_t *dims, size_t ndims, bool keepdim, dt_error *err);
dt_tensor *dt_amax(const dt_tensor *a, const int64_t *dims, size_t ndims, bool keepdim, dt_error *err);
dt_tensor *dt_amin(const dt_tensor *a, const int64_t *dims, size_t ndims, bool keepdim, dt_error *err);
dt_tensor *dt_logsumexp(const dt_tensor *a, const int64_t *dims, size_t ndims, bool keepdim, dt_error *err);
dt_tensor *dt_norm(const dt_tensor *a, double p, const int64_t *dims, size_t ndims, bool keepdim, dt_error *err);
dt_tensor *dt_all(const dt_tensor *a, dt_error *err);
dt_tensor *dt_any(const dt_tensor *a, dt_error *err);
void dt_max_dim(const dt_tensor *a, int64_t dim, bool keepdim, dt_tensor **values, dt_tensor **indices, dt_error *err);
void dt_min_dim(const dt_tensor *a, int64_t dim, bool keepdim, dt_tensor **values, dt_tensor **indices, dt_error *err);
dt_tensor *dt_argmax(const dt_tensor *a, int64_t dim, bool keepdim, dt_error *err);
dt_tensor *dt_argmin(const dt_tensor *a, int64_t dim, bool keepdim, dt_error *err);
void dt_topk(const dt_tensor *a, int64_t k, int64_t dim, bool largest, bool sorted, dt_tensor **values,
             dt_tensor **indices, dt_error *err);
void dt_sort(const dt_tensor *a, int64_t dim, bool descending, dt_tensor **values, dt_tensor **indices, dt_error *err);
dt_tensor *dt_matmul(const dt_tensor *a, const dt_tensor *b, dt_error *err);

/* ---- shape and indexing (shape.cpp) ---- */
dt_tensor *dt_reshape(const dt_tensor *a, const int64_t *sizes, size_t ndim, dt_error *err);
dt_tensor *dt_permute(const dt_tensor *a, const int64_t *dims, size_t ndim, dt_error *err);
dt_tensor *dt_transpose(const dt_tensor *a, int64_t dim0, int64_t dim1, dt_error *err);
dt_tensor *dt_expand(const dt_tensor *a, const int64_t *sizes, size_t ndim, dt_error *err);
dt_tensor *dt_flatten(const dt_tensor *a, int64_t start_dim, int64_t end_dim, dt_error *err);
dt_tensor *dt_squeeze(const dt_tensor *a, int64_t dim, dt_error *err);
dt_tensor *dt_unsqueeze(const dt_tensor *a, int64_t dim, dt_error *err);
dt_tensor *dt_narrow(const dt_tensor *a, int64_t dim, int64_t start, int64_t length, dt_error *err);
dt_tensor *dt_select(const dt_tensor *a, int64_t dim, int64_t index, dt_error *err);
dt_tensor *dt_index_select(const dt_tensor *a, int64_t dim, const dt_tensor *index, dt_error *err);
dt_tensor *dt_masked_select(const dt_tensor *a, const dt_tensor *mask, dt_error *err);
dt_tensor *dt_nonzero(const dt_tensor *a, dt_error *err);
dt_tensor *dt_cat(const dt_tensor *const *tensors, size_t n, int64_t dim, dt_error *err);
dt_tensor *dt_stack(const dt_tensor *const *tensors, size_t n, int64_t dim, dt_error *err);
dt_tensor *dt_flip(const dt_tensor *a, const int64_t *dims, size_t ndim, dt_error *err);
dt_tensor *dt_constant_pad_nd(const dt_tensor *a, const int64_t *pad, size_t npad, dt_scalar value, dt_error *err);
dt_tensor *dt_gather(const dt_tensor *a, int64_t dim, const dt_tensor *index, dt_error *err);
dt_tensor *dt_scatter(const dt_tensor *a, int64_t dim, const dt_tensor *index, const dt_tensor *src, dt_error *err);
dt_tensor *dt_scatter_value(const dt_tensor *a, int64_t dim, const dt_tensor *index, dt_scalar value, dt_error *err);
dt_tensor *dt_one_hot(const dt_tensor *a, int64_t num_classes, dt_error *err);

/* ---- neural-network functions (nn.cpp) ---- */
/* With the calling thread's Winograd switch on (dt_set_winograd), a CPU float32 3×3 stride-1
   convolution runs through oneDNN's Winograd kernels (onednn_conv.cpp); every other one as before. */
dt_tensor *dt_conv2d(const dt_tensor *x, const dt_tensor *w, const dt_tensor *b /* nullable */, const int64_t *stride,
                     const int64_t *padding, const int64_t *dilation, int64_t groups, dt_error *err);
dt_tensor *dt_linear(const dt_tensor *x, const dt_tensor *w, const dt_tensor *b /* nullable */, dt_error *err);
/* running_mean / running_var are updated in place when training is true (PyTorch semantics). */
dt_tensor *dt_batch_norm(const dt_tensor *x, const dt_tensor *weight, const dt_tensor *bias,
                         const dt_tensor *running_mean, const dt_tensor *running_var, bool training, double momentum,
                         double eps, dt_error *err);
dt_tensor *dt_max_pool2d(const dt_tensor *x, const int64_t *kernel, const int64_t *stride, const int64_t *padding,
                         const int64_t *dilation, bool ceil_mode, dt_error *err);
dt_tensor *dt_avg_pool2d(const dt_tensor *x, const int64_t *kernel, const int64_t *stride, const int64_t *padding,
                         bool ceil_mode, bool count_include_pad, dt_error *err);
dt_tensor *dt_adaptive_avg_pool2d(const dt_tensor *x, const int64_t *output_size, dt_error *err);
dt_tensor *dt_dropout(const dt_tensor *x, double p, bool training, dt_error *err);
dt_tensor *dt_cross_entropy(const dt_tensor *logits, const dt_tensor *target, int64_t reduction,
                            double label_smoothing, dt_error *err);
dt_tensor *dt_nll_loss(const dt_tensor *logp, const dt_tensor *target, int64_t reduction, dt_error *err);
dt_tensor *dt_kl_div(const dt_tensor *input, const dt_tensor *target, int64_t reduction, bool log_target,
                     dt_error *err);
dt_tensor *dt_mse_loss(const dt_tensor *input, const dt_tensor *target, int64_t reduction, dt_error *err);

/* ---- convolutions through oneDNN directly (onednn_conv.cpp) ---- */
/* Whether this build has them (oneDNN's headers and library were libtorch's own at build time). */
bool dt_winograd_available(void);
/* The calling thread's switch, like autocast's; returns the previous state. On stays off when the
   build has no Winograd kernels. */
bool dt_set_winograd(bool on);
bool dt_winograd_enabled(void);
/* Convolutions the calling thread has run forward through the Winograd kernels so far. */
uint64_t dt_winograd_forwards(void);
/* A CPU float32 convolution (dilation 1, one group) whose input and/or output is in oneDNN's blocked
   layout: a [N, C/16, H, W, 16] tensor for the [N, C, H, W] values, where NCHW would make oneDNN
   reorder. The same kernels as dt_conv2d and the same values, except that the backward-weights pass
   may sum in another order when its output gradient arrives blocked. NULL without an error when it
   does not apply (no oneDNN in this build, autocast on, another device or dtype, C not a multiple
   of 16 where blocked, or no oneDNN kernel for the shape): then run dt_conv2d on NCHW tensors. */
dt_tensor *dt_conv2d_blocked(const dt_tensor *x, const dt_tensor *w, const dt_tensor *b /* nullable */,
                             const int64_t *stride, const int64_t *padding, bool src_blocked, bool dst_blocked,
                             dt_error *err);
/* Convolutions the calling thread has run forward through dt_conv2d_blocked so far. */
uint64_t dt_blocked_forwards(void);

/* ---- autograd (autograd.cpp) ---- */
void dt_set_requires_grad(dt_tensor *t, bool requires_grad, dt_error *err);
bool dt_requires_grad(const dt_tensor *t);
bool dt_is_leaf(const dt_tensor *t);
/* NULL without an error when the tensor has no gradient yet. */
dt_tensor *dt_tensor_grad(const dt_tensor *t, dt_error *err);
void dt_tensor_zero_grad(dt_tensor *t, dt_error *err); /* sets .grad to None, as PyTorch 2's default */
void dt_backward(const dt_tensor *t, const dt_tensor *grad /* nullable */, bool retain_graph, bool create_graph,
                 dt_error *err);
/* torch.autograd.grad: writes n_inputs new handles into out (NULL for an unused input when allow_unused).
   grad_outputs is NULL or n_outputs nullable handles. Parameter .grad fields are not touched. */
void dt_autograd_grad(const dt_tensor *const *outputs, size_t n_outputs, const dt_tensor *const *inputs,
                      size_t n_inputs, const dt_tensor *const *grad_outputs, bool retain_graph, bool create_graph,
                      bool allow_unused, dt_tensor **out, dt_error *err);

/* ---- memory layout and mixed precision (precision.cpp) ---- */
/* format: 0 contiguous (NCHW), 1 channels-last (NHWC strides); a no-op alias when already so. */
dt_tensor *dt_to_memory_format(const dt_tensor *t, int32_t format, dt_error *err);
bool dt_is_channels_last(const dt_tensor *t);
/* PyTorch's `t.data = src`: t keeps its identity (and requires_grad) with src's storage, layout, device. */
void dt_set_data(dt_tensor *t, const dt_tensor *src, dt_error *err);
/* Autocast for device type 0 (CPU) or 1 (CUDA): ops on its list run in `dtype` (DT_BF16 or DT_F16)
   while enabled. Thread-local, like torch.autocast. */
void dt_autocast_set(int32_t device_type, bool enabled, int32_t dtype, dt_error *err);
bool dt_autocast_enabled(int32_t device_type);

/* ---- distributed: c10d stores and process groups (distributed.cpp) ---- */
typedef struct dt_process_group dt_process_group;
/* "gloo", "gloo,nccl", or "" when this build has no c10d process group. */
const char *dt_distributed_backends(void);
/* Joins a group of world_size processes. backend: "gloo" | "nccl". store: "tcp" (address:port, rank 0
   serves the store, as torchrun's MASTER_ADDR/MASTER_PORT) or "file" (address is a shared file path,
   port unused). gloo_device: "interface:NAME", "hostname:ADDR" or "" (libtorch's default). Every
   collective waits for completion and fails after timeout_ms or as soon as a peer is gone. */
dt_process_group *dt_process_group_new(const char *backend, const char *store, const char *address, int32_t port,
                                       int32_t rank, int32_t world_size, const char *gloo_device,
                                       int64_t timeout_ms, dt_error *err);
void dt_process_group_free(dt_process_group *pg);
/* In place: t = sum of t over all ranks (t dense and contiguous). */
void dt_all_reduce_sum(dt_process_group *pg, dt_tensor *t, dt_error *err);
/* In place: t = root's t on every rank. */
void dt_broadcast(dt_process_group *pg, dt_tensor *t, int32_t root, dt_error *err);
void dt_barrier(dt_process_group *pg, dt_error *err);

/* ---- TorchScript modules (script.cpp) ---- */
typedef struct dt_script_module dt_script_module;
/* torch::jit::load onto a device. */
dt_script_module *dt_script_load(const char *path, int32_t device, dt_error *err);
void dt_script_free(dt_script_module *m);
/* forward(input); an error when the module returns anything but one tensor, whose message is
   dt_script_not_a_tensor followed by what it returned ("a tuple", "a dict", …). */
extern const char *const dt_script_not_a_tensor;
dt_tensor *dt_script_forward(dt_script_module *m, const dt_tensor *input, dt_error *err);
/* kind 0: named_parameters(recurse), 1: named_buffers(recurse). */
size_t dt_script_named_count(dt_script_module *m, int32_t kind, dt_error *err);
/* Fills names[i] (free each with dt_string_free) and tensors[i] (the module's own tensors, new
   handles) for the `capacity` entries dt_script_named_count reported. */
void dt_script_named(dt_script_module *m, int32_t kind, size_t capacity, char **names, dt_tensor **tensors,
                     dt_error *err);
void dt_script_train(dt_script_module *m, bool on, dt_error *err);
bool dt_script_is_training(dt_script_module *m);
/* Moves the module's parameters and buffers to a device, in place. */
void dt_script_to(dt_script_module *m, int32_t device, dt_error *err);
/* torch::jit::Module::save into memory: the bytes of a file torch.jit.load reads, with the module's
   current weights, as a 1-D uint8 tensor (the caller writes them, atomically). */
dt_tensor *dt_script_serialize(dt_script_module *m, dt_error *err);

#ifdef __cplusplus
}
#endif

#endif /* DEAT_CTORCH_H */

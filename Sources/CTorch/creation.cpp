// creation.cpp: factories and seeded random numbers.
#include "internal.h"

extern "C" {

dt_tensor *dt_zeros(const int64_t *sizes, size_t ndim, int32_t dtype, int32_t device, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::zeros(dt::ints(sizes, ndim), dt::options(dtype, device)));)
}

dt_tensor *dt_ones(const int64_t *sizes, size_t ndim, int32_t dtype, int32_t device, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::ones(dt::ints(sizes, ndim), dt::options(dtype, device)));)
}

dt_tensor *dt_full(const int64_t *sizes, size_t ndim, dt_scalar value, int32_t dtype, int32_t device,
                   dt_error *err) {
  DT_PROTECT(err, nullptr,
             return dt::wrap(at::full(dt::ints(sizes, ndim), dt::scalar(value), dt::options(dtype, device)));)
}

dt_tensor *dt_arange(dt_scalar start, dt_scalar end, dt_scalar step, int32_t dtype, int32_t device, dt_error *err) {
  DT_PROTECT(err, nullptr, {
    return dt::wrap(
        at::arange(dt::scalar(start), dt::scalar(end), dt::scalar(step), dt::options(dtype, device)));
  })
}

// A CPU generator is made directly; a CUDA one is cloned from the device's default generator, so
// the shim needs no CUDA headers (the hooks in libtorch_cuda supply it at run time).
dt_generator *dt_generator_new(int32_t device, uint64_t seed, dt_error *err) {
  DT_PROTECT(err, nullptr, {
    at::Generator g = device < 0 ? at::make_generator<at::CPUGeneratorImpl>(seed)
                                 : at::globalContext().defaultGenerator(dt::device(device)).clone();
    g.set_current_seed(seed);
    return new dt_generator{std::move(g), seed};
  })
}

void dt_generator_free(dt_generator *g) { delete g; }

uint64_t dt_generator_seed(const dt_generator *g) { return g->seed; }

dt_tensor *dt_rand(const int64_t *sizes, size_t ndim, int32_t dtype, int32_t device, dt_generator *gen,
                   dt_error *err) {
  DT_PROTECT(err, nullptr,
             return dt::wrap(at::rand(dt::ints(sizes, ndim), dt::generator(gen), dt::options(dtype, device)));)
}

dt_tensor *dt_randn(const int64_t *sizes, size_t ndim, int32_t dtype, int32_t device, dt_generator *gen,
                    dt_error *err) {
  DT_PROTECT(err, nullptr,
             return dt::wrap(at::randn(dt::ints(sizes, ndim), dt::generator(gen), dt::options(dtype, device)));)
}

dt_tensor *dt_uniform(const int64_t *sizes, size_t ndim, double low, double high, int32_t dtype, int32_t device,
                      dt_generator *gen, dt_error *err) {
  DT_PROTECT(err, nullptr, {
    at::Tensor out = at::empty(dt::ints(sizes, ndim), dt::options(dtype, device));
    out.uniform_(low, high, dt::generator(gen));
    return dt::wrap(out);
  })
}

dt_tensor *dt_randint(int64_t low, int64_t high, const int64_t *sizes, size_t ndim, int32_t device,
                      dt_generator *gen, dt_error *err) {
  DT_PROTECT(err, nullptr, {
    return dt::wrap(
        at::randint(low, high, dt::ints(sizes, ndim), dt::generator(gen), dt::options(DT_I64, device)));
  })
}

dt_tensor *dt_randperm(int64_t n, int32_t device, dt_generator *gen, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::randperm(n, dt::generator(gen), dt::options(DT_I64, device)));)
}

dt_tensor *dt_bernoulli(const dt_tensor *p, dt_generator *gen, dt_error *err) {
  DT_PROTECT(err, nullptr, return dt::wrap(at::bernoulli(p->t, dt::generator(gen)));)
}

}  // extern "C"

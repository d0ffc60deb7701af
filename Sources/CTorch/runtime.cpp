// runtime.cpp: handles, errors, threads, seeds, grad mode and CUDA presence.
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/core/GradMode.h>
#include <dlfcn.h>
#include <torch/csrc/api/include/torch/version.h>

#include "internal.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

extern "C" {

void dt_error_free(dt_error *err) {
  if (err == nullptr) return;
  free(err->message);
  err->message = nullptr;
}

void dt_tensor_free(dt_tensor *t) { delete t; }

const char *dt_version(void) { return TORCH_VERSION; }

void dt_set_num_threads(int32_t n) { at::set_num_threads(n); }

int32_t dt_get_num_threads(void) { return at::get_num_threads(); }

void dt_serial_thread(void) {
  // libtorch sets each thread's OpenMP thread count lazily, from the process-wide one, the first time
  // the thread runs a parallel loop; doing that now and then setting this thread's count to 1 keeps
  // the setting from being overwritten. omp_set_num_threads changes only the calling thread's count.
  // It is looked up at run time in the OpenMP runtime libtorch loaded (libgomp, or a wheel's copy),
  // since the shim is not built with OpenMP; with libtorch's native thread pool there is none, and
  // nothing to do.
  using SetThreads = void (*)(int);
  static const auto set_threads = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
  at::internal::lazy_init_num_threads();
  if (set_threads != nullptr) set_threads(1);
}

void dt_manual_seed(uint64_t seed) { at::manual_seed(seed); }

// Asks the CUDA hooks, which exist only when libtorch_cuda is loaded; a CPU-only libtorch says 0.
int32_t dt_cuda_device_count(void) {
  try {
    if (!at::detail::getCUDAHooks().hasCUDA()) return 0;
    return at::detail::getCUDAHooks().getNumGPUs();
  } catch (...) {
    return 0;
  }
}

void dt_cuda_synchronize(int32_t device, dt_error *err) {
  DT_PROTECT(err, , {
    // A tiny device→host copy waits for every kernel queued on the device's current stream.
    at::zeros({1}, dt::options(DT_F32, device)).cpu();
    return;
  })
}

bool dt_grad_enabled(void) { return c10::GradMode::is_enabled(); }

void dt_set_grad_enabled(bool enabled) { c10::GradMode::set_enabled(enabled); }

void dt_keep_freed_memory(void) {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

}  // extern "C"

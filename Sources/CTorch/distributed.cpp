// distributed.cpp: libtorch's own distributed engine, c10d — a rendezvous store (TCPStore with
// torchrun's MASTER_ADDR/MASTER_PORT conventions, or FileStore) and a process group over it (Gloo
// for CPU tensors, NCCL for CUDA tensors when this libtorch has it). Only the collectives deat's
// data-parallel training needs: all-reduce (sum), broadcast, barrier, each waited on before
// returning, so a failed or vanished peer surfaces as an error here and never as a hang past the
// group's timeout.
//
// Gloo's headers are a separate Debian package (libgloo-dev) and absent from some libtorch trees;
// without them the functions below exist and say so in their error.
#include "internal.h"

#if __has_include(<gloo/context.h>) && __has_include(<torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>)
#define DT_HAVE_GLOO 1
// The header hides its contents unless the build says libtorch has Gloo (it does when its headers ship).
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

#if defined(DT_HAVE_GLOO) && defined(DT_WITH_CUDA) && defined(USE_C10D_NCCL) && \
    __has_include(<torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>)
#define DT_HAVE_NCCL 1
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <chrono>

#ifdef DT_HAVE_GLOO
struct dt_process_group {
  c10::intrusive_ptr<c10d::Store> store;
  // ProcessGroupGloo/NCCL are ProcessGroups in libtorch 1.13 and Backends in 2.x; both expose the
  // same allreduce/broadcast/barrier, so the group is held through a tiny type-erasing wrapper.
  std::function<c10::intrusive_ptr<c10d::Work>(std::vector<at::Tensor> &)> allreduce;
  std::function<c10::intrusive_ptr<c10d::Work>(std::vector<at::Tensor> &, int64_t)> broadcast;
  std::function<c10::intrusive_ptr<c10d::Work>()> barrier;
};

namespace {

template <typename Group>
void bind(dt_process_group *pg, c10::intrusive_ptr<Group> group) {
  pg->allreduce = [group](std::vector<at::Tensor> &t) {
    c10d::AllreduceOptions o;
    o.reduceOp = c10d::ReduceOp::SUM;
    return group->allreduce(t, o);
  };
  pg->broadcast = [group](std::vector<at::Tensor> &t, int64_t root) {
    c10d::BroadcastOptions o;
    o.rootRank = root;
    return group->broadcast(t, o);
  };
  pg->barrier = [group]() { return group->barrier(c10d::BarrierOptions()); };
}

// Waits and rethrows the collective's failure (a dead peer: "Connection closed by peer", a timeout).
void finish(const c10::intrusive_ptr<c10d::Work> &work) {
  if (!work->wait()) std::rethrow_exception(work->exception());
}

}  // namespace
#else
struct dt_process_group {};
#endif

extern "C" {

const char *dt_distributed_backends(void) {
#if defined(DT_HAVE_NCCL)
  return "gloo,nccl";
#elif defined(DT_HAVE_GLOO)
  return "gloo";
#else
  return "";
#endif
}

dt_process_group *dt_process_group_new(const char *backend, const char *store, const char *address, int32_t port,
                                       int32_t rank, int32_t world_size, const char *gloo_device,
                                       int64_t timeout_ms, dt_error *err) {
  DT_PROTECT(err, nullptr, {
#ifdef DT_HAVE_GLOO
    const auto timeout = std::chrono::milliseconds(timeout_ms);
    auto pg = std::make_unique<dt_process_group>();
    const std::string kind(store);
    if (kind == "tcp") {
      c10d::TCPStoreOptions o;
      o.port = static_cast<std::uint16_t>(port);
      o.isServer = rank == 0;
      o.numWorkers = static_cast<std::size_t>(world_size);
      o.waitWorkers = true;
      o.timeout = timeout;
      pg->store = c10::make_intrusive<c10d::TCPStore>(std::string(address), o);
    } else if (kind == "file") {
      pg->store = c10::make_intrusive<c10d::FileStore>(std::string(address), world_size);
      pg->store->setTimeout(timeout);
    } else {
      TORCH_CHECK(false, "unknown rendezvous store '", kind, "' (expected tcp or file)");
    }
    const std::string name(backend);
    if (name == "gloo") {
      auto options = c10d::ProcessGroupGloo::Options::create(timeout);
      const std::string spec(gloo_device);
      if (spec.rfind("interface:", 0) == 0) {
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(spec.substr(10)));
      } else if (spec.rfind("hostname:", 0) == 0) {
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(spec.substr(9)));
      } else {
        options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      }
      bind(pg.get(), c10::make_intrusive<c10d::ProcessGroupGloo>(pg->store, rank, world_size, options));
    } else if (name == "nccl") {
#ifdef DT_HAVE_NCCL
      auto options = c10d::ProcessGroupNCCL::Options::create();
      options->timeout = timeout;
      bind(pg.get(), c10::make_intrusive<c10d::ProcessGroupNCCL>(pg->store, rank, world_size, options));
#else
      TORCH_CHECK(false, "this libtorch has no NCCL process group (a CUDA libtorch built with NCCL is needed)");
#endif
    } else {
      TORCH_CHECK(false, "unknown distributed backend '", name, "' (expected gloo or nccl)");
    }
    return pg.release();
#else
    TORCH_CHECK(false, "this libtorch's Gloo headers were not found at build time (Debian: apt install libgloo-dev, then rebuild)");
#endif
  })
}

void dt_process_group_free(dt_process_group *pg) { delete pg; }

void dt_all_reduce_sum(dt_process_group *pg, dt_tensor *t, dt_error *err) {
  DT_PROTECT(err, , {
#ifdef DT_HAVE_GLOO
    std::vector<at::Tensor> tensors{t->t};
    finish(pg->allreduce(tensors));
    return;
#endif
  })
}

void dt_broadcast(dt_process_group *pg, dt_tensor *t, int32_t root, dt_error *err) {
  DT_PROTECT(err, , {
#ifdef DT_HAVE_GLOO
    std::vector<at::Tensor> tensors{t->t};
    finish(pg->broadcast(tensors, root));
    return;
#endif
  })
}

void dt_barrier(dt_process_group *pg, dt_error *err) {
  DT_PROTECT(err, , {
#ifdef DT_HAVE_GLOO
    finish(pg->barrier());
    return;
#endif
  })
}

}  // extern "C"

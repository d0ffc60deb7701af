// script.cpp: TorchScript modules (torch::jit::Module): load from a file onto a device, forward one
// tensor, list the module's own parameters and buffers under their state_dict names, switch
// train/eval, serialise (the bytes torch.jit.save writes; Swift writes them atomically). The tensors handed out are the module's own (the same TensorImpl), so an
// in-place update from Swift (SGD, BatchNorm's running statistics) is the module's update.
#include <torch/script.h>

#include <cstring>
#include <sstream>

#include "internal.h"

const char *const dt_script_not_a_tensor = "forward returns something other than one tensor: ";

struct dt_script_module {
  torch::jit::Module m;
};

extern "C" {

dt_script_module *dt_script_load(const char *path, int32_t device, dt_error *err) {
  DT_PROTECT(err, nullptr, {
    return new dt_script_module{torch::jit::load(std::string(path), dt::device(device))};
  })
}

void dt_script_free(dt_script_module *m) { delete m; }

dt_tensor *dt_script_forward(dt_script_module *m, const dt_tensor *input, dt_error *err) {
  DT_PROTECT(err, nullptr, {
    auto out = m->m.forward({input->t});
    if (!out.isTensor()) {
      const std::string kind = out.isTuple() ? "a tuple" : out.isGenericDict() ? "a dict" : out.isList() ? "a list" : out.tagKind();
      throw std::runtime_error(std::string(dt_script_not_a_tensor) + kind);
    }
    return dt::wrap(out.toTensor());
  })
}

size_t dt_script_named_count(dt_script_module *m, int32_t kind, dt_error *err) {
  DT_PROTECT(err, 0, {
    return kind == 0 ? m->m.named_parameters(true).size() : m->m.named_buffers(true).size();
  })
}

void dt_script_named(dt_script_module *m, int32_t kind, size_t capacity, char **names, dt_tensor **tensors,
                     dt_error *err) {
  DT_PROTECT(err, , {
    std::vector<std::pair<std::string, at::Tensor>> items;
    if (kind == 0) {
      for (const auto &p : m->m.named_parameters(true)) items.emplace_back(p.name, p.value);
    } else {
      for (const auto &b : m->m.named_buffers(true)) items.emplace_back(b.name, b.value);
    }
    if (items.size() != capacity) throw std::runtime_error("the module's tensors changed while being listed");
    for (size_t i = 0; i < items.size(); ++i) {
      names[i] = strdup(items[i].first.c_str());
      tensors[i] = dt::wrap(items[i].second);
    }
    return;
  })
}

void dt_script_train(dt_script_module *m, bool on, dt_error *err) {
  DT_PROTECT(err, , {
    m->m.train(on);
    return;
  })
}

bool dt_script_is_training(dt_script_module *m) { return m->m.is_training(); }

void dt_script_to(dt_script_module *m, int32_t device, dt_error *err) {
  DT_PROTECT(err, , {
    m->m.to(dt::device(device));
    return;
  })
}

dt_tensor *dt_script_serialize(dt_script_module *m, dt_error *err) {
  DT_PROTECT(err, nullptr, {
    std::ostringstream out;
    m->m.save(out);
    const std::string bytes = out.str();
    auto t = torch::empty({static_cast<int64_t>(bytes.size())}, torch::kUInt8);
    std::memcpy(t.data_ptr<uint8_t>(), bytes.data(), bytes.size());
    return dt::wrap(t);
  })
}

}  // extern "C"

// autograd.cpp: requires_grad, .grad, backward and torch.autograd.grad.
#include <torch/csrc/autograd/autograd.h>

#include "internal.h"

extern "C" {

void dt_set_requires_grad(dt_tensor *t, bool requires_grad, dt_error *err) {
  DT_PROTECT(err, , t->t.set_requires_grad(requires_grad); return;)
}

bool dt_requires_grad(const dt_tensor *t) { return t->t.requires_grad(); }

bool dt_is_leaf(const dt_tensor *t) { return t->t.is_leaf(); }

dt_tensor *dt_tensor_grad(const dt_tensor *t, dt_error *err) {
  DT_PROTECT(err, nullptr, {
    const at::Tensor &g = t->t.grad();
    return g.defined() ? dt::wrap(g) : nullptr;
  })
}

void dt_tensor_zero_grad(dt_tensor *t, dt_error *err) { DT_PROTECT(err, , t->t.mutable_grad().reset(); return;) }

void dt_backward(const dt_tensor *t, const dt_tensor *grad, bool retain_graph, bool create_graph, dt_error *err) {
  DT_PROTECT(err, , {
    at::Tensor g = grad == nullptr ? at::Tensor() : grad->t;
    t->t.backward(g, retain_graph, create_graph);
    return;
  })
}

void dt_autograd_grad(const dt_tensor *const *outputs, size_t n_outputs, const dt_tensor *const *inputs,
                      size_t n_inputs, const dt_tensor *const *grad_outputs, bool retain_graph, bool create_graph,
                      bool allow_unused, dt_tensor **out, dt_error *err) {
  DT_PROTECT(err, , {
    torch::autograd::variable_list outs, ins, gouts;
    for (size_t i = 0; i < n_outputs; ++i) {
      outs.push_back(outputs[i]->t);
      gouts.push_back(grad_outputs == nullptr || grad_outputs[i] == nullptr ? at::Tensor() : grad_outputs[i]->t);
    }
    for (size_t i = 0; i < n_inputs; ++i) ins.push_back(inputs[i]->t);
    auto grads = torch::autograd::grad(outs, ins, gouts, retain_graph, create_graph, allow_unused);
    for (size_t i = 0; i < n_inputs; ++i) out[i] = grads[i].defined() ? dt::wrap(grads[i]) : nullptr;
    return;
  })
}

}  // extern "C"

"""PyTorch: one eager forward pass, two `torch.autograd.grad` calls on its graph."""

import torch


class TrainStep:
    def compile(self, *args, jit_compile=False, **kwargs):
        # `jit_compile` asks for XLA (TensorFlow, JAX). Keras would map it to
        # torch.compile here, which this step is not tested with: run eagerly.
        super().compile(*args, jit_compile=False, **kwargs)

    def train_step(self, data):
        real_x, real_y = data
        terms = self.compute_losses(real_x, real_y, training=True)
        objectives = list(self.objectives(terms).items())
        grads = {}
        for i, (group, objective) in enumerate(objectives):
            variables = [v.value for v in self.group_variables(group)]
            # The first backward pass keeps the graph for the second.
            grads[group] = torch.autograd.grad(objective, variables, retain_graph=i < len(objectives) - 1)
        with torch.no_grad():
            self.apply_group_gradients(grads)
        with torch.no_grad():
            return self.update_trackers({name: value.detach() for name, value in terms.items()})

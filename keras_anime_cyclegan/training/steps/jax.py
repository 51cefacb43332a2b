"""JAX: the train step is a pure function of the model's state, as `fit` expects.

`fit` jit-compiles the step and passes it the values of the trainable,
non-trainable, optimizer and metric variables. The forward pass runs `compute_losses` in a
`keras.StatelessScope` mapping every model variable to those values, so
the image pools' and seed generators' writes come back as new values
instead of mutating variables. One `jax.vjp` forward, one backward pass
per objective (generators, discriminators), then the optimizer
`stateless_apply`s each variable's gradient from its own objective.
"""

import jax
import keras


class TrainStep:
    def train_step(self, state, data):
        trainable, non_trainable, optimizer_values, metric_values = state
        real_x, real_y = data

        def forward(trainable):
            mapping = [*zip(self.trainable_variables, trainable), *zip(self.non_trainable_variables, non_trainable)]
            with keras.StatelessScope(state_mapping=mapping) as scope:
                terms = self.compute_losses(real_x, real_y, training=True)
            written = [scope.get_current_value(v) for v in self.non_trainable_variables]
            written = [new if new is not None else old for new, old in zip(written, non_trainable)]
            return self.objectives(terms), (terms, written)

        objectives, backward, (terms, non_trainable) = jax.vjp(forward, trainable, has_aux=True)
        position = {id(v): i for i, v in enumerate(self.trainable_variables)}
        grads = {}
        for group in objectives:
            # Cotangent 1 for this objective and 0 for the others: its gradient alone.
            (everything,) = backward({g: jax.numpy.asarray(g == group, o.dtype) for g, o in objectives.items()})
            grads[group] = [everything[position[id(v)]] for v in self.group_variables(group)]
        # A network without an objective (no adversarial terms: no
        # discriminators) gets zero gradients: Adam leaves it as it is.
        ordered = [jax.numpy.zeros_like(t) if g is None else g for g, t in zip(self.gradient_order(grads), trainable)]
        ordered = self.finite_or_zero(ordered)
        trainable, optimizer_values = self.optimizer.stateless_apply(optimizer_values, ordered, list(trainable))

        with keras.StatelessScope(state_mapping=list(zip(self.metrics_variables, metric_values))) as scope:
            logs = self.update_trackers(terms)
        metric_values = [scope.get_current_value(v) for v in self.metrics_variables]
        return logs, (trainable, non_trainable, optimizer_values, metric_values)

"""TensorFlow: one forward pass under a persistent GradientTape, two backward passes.

Runs under any `tf.distribute` strategy. Each replica computes the mean
losses of its share of the global batch; the optimizer sums gradients over
replicas, so each replica differentiates its mean divided by the replica
count: the update is that of the global batch's mean, whatever the count.
"""

import tensorflow as tf


class TrainStep:
    def train_step(self, data):
        real_x, real_y = data
        strategy = tf.distribute.get_strategy()
        replicas = strategy.num_replicas_in_sync
        with tf.GradientTape(persistent=True) as tape:
            terms = self.compute_losses(real_x, real_y, training=True)
            # `scale_loss`: float16 mixed precision's loss scale (1 without),
            # so small gradients survive float16; `apply` divides it out.
            objectives = {g: self.optimizer.scale_loss(o / replicas) for g, o in self.objectives(terms).items()}
        grads = {group: tape.gradient(objective, self.group_variables(group)) for group, objective in objectives.items()}
        del tape
        self.apply_group_gradients(grads)
        logs = self.update_trackers(terms)
        if _multi_worker(strategy):
            # Keras averages each worker's logs along axis 0, which a scalar
            # lacks (keras-team/keras#20585): give it one.
            logs = {name: value[None] for name, value in logs.items()}
        return logs

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Keras's pre-fit build averages a data batch over replicas, which
        # fails under MultiWorkerMirroredStrategy (keras-team/keras#20585).
        # A CycleGAN is built and compiled before `fit` (`build` and
        # `compile` build every network, pool and optimizer): nothing to do.
        if not self.built:
            super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)


def _multi_worker(strategy) -> bool:
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None:
        return False
    spec = resolver.cluster_spec()
    return sum(spec.num_tasks(job) for job in spec.jobs if job in ("chief", "worker")) > 1

"""TensorFlow: one forward pass under a persistent GradientTape, two backward passes.

Runs under any `tf.distribute` strategy. Each replica computes the mean
losses of its share of the global batch; the optimizers sum gradients over
replicas, so each replica differentiates its mean divided by the replica
count: the update is that of the global batch's mean, whatever the count.
"""

import tensorflow as tf


class TrainStep:
    def train_step(self, data):
        real_x, real_y = data
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        with tf.GradientTape(persistent=True) as tape:
            terms = self.compute_losses(real_x, real_y, training=True)
            objectives = {group: loss / replicas for group, loss in self.objectives(terms).items()}
        for group, objective in objectives.items():
            grads = tape.gradient(objective, self.group_variables(group))
            self.apply_group_gradients(group, grads)
        del tape
        return self.update_trackers(terms)

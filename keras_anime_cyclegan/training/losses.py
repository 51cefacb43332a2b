"""The CycleGAN losses, written once in `keras.ops` for every backend.

Discriminators output raw scores. For each GAN loss there is a generator
term (fake should look real) and a discriminator term (real vs fake).
"""

from __future__ import annotations

from keras import ops


def _mean(x):
    return ops.mean(ops.cast(x, "float32"))


def generator_gan_loss(fake_score, kind: str = "lsgan"):
    """Adversarial loss of a generator given D's scores on its fakes."""
    if kind == "lsgan":
        return _mean(ops.square(fake_score - 1.0))
    if kind == "vanilla":
        return _mean(ops.softplus(-fake_score))  # BCE(sigmoid(s), 1)
    if kind == "hinge":
        return -_mean(fake_score)
    raise ValueError(f"unknown GAN loss {kind!r}")


def discriminator_gan_loss(real_score, fake_score, kind: str = "lsgan"):
    """Loss of a discriminator; halved as in CycleGAN so D learns slower than G."""
    if kind == "lsgan":
        loss = _mean(ops.square(real_score - 1.0)) + _mean(ops.square(fake_score))
    elif kind == "vanilla":
        loss = _mean(ops.softplus(-real_score)) + _mean(ops.softplus(fake_score))
    elif kind == "hinge":
        loss = _mean(ops.relu(1.0 - real_score)) + _mean(ops.relu(1.0 + fake_score))
    else:
        raise ValueError(f"unknown GAN loss {kind!r}")
    return 0.5 * loss


def cycle_loss(real, reconstructed):
    """L1 cycle consistency, ||F(G(x)) - x||_1 (mean over pixels)."""
    return _mean(ops.abs(real - reconstructed))


def identity_loss(real, same):
    """L1 identity, ||G(y) - y||_1: G should leave a colour image alone."""
    return _mean(ops.abs(real - same))


def paired_loss(target, output):
    """L1 against the aligned truth, ||G(x) - y||_1 for a (line art x, colour y) pair (mean over pixels)."""
    return _mean(ops.abs(target - output))

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


def colour_mode_loss(target, output, bandwidth: float = 0.25, levels: int = 6, balance: float = 0.5):
    """A loss whose best answer is a likely colour, not the average of the likely ones.

    L1 is lowest at each channel's median of what the truth could be and L2
    at its mean, so where a red, a blue and a green ladybug are all
    plausible G paints a dark in-between: the wash colourisation papers fix
    by treating colour as a class (Zhang, Isola and Efros, "Colorful Image
    Colorization", 2016). G outputs one RGB colour per pixel, not a
    distribution (and a cross-entropy over soft nearest bins of one colour
    is an L2 in disguise), so this is the point-estimate form of the same
    idea: a Welsch (Gaussian kernel) loss, 1 - exp(-||output - target||^2 /
    (2 bandwidth^2)), whose expectation is lowest at the densest colour of
    the truth (a mode, as mean shift finds), with rare colours weighted up
    as in the paper: a pixel's weight is 1 / ((1 - balance) p + balance / K),
    p the share of the batch in its colour's bin (a `levels`^3 RGB grid, K
    bins), normalised to mean 1 over the batch (no gradient through the
    weights). Its gradient fades far from every truth, so it refines a model
    that L1 has brought close rather than replacing L1.
    """
    y = ops.cast(output, "float32")
    t = ops.cast(target, "float32")
    k = levels**3
    q = ops.clip(ops.floor((t + 1.0) * 0.5 * levels), 0, levels - 1)
    index = ops.cast(q[..., 0] * levels * levels + q[..., 1] * levels + q[..., 2], "int32")
    share = ops.mean(ops.reshape(ops.one_hot(index, k, dtype="float32"), (-1, k)), axis=0)
    weight = 1.0 / ((1.0 - balance) * share + balance / k)
    weight = ops.stop_gradient(weight / ops.sum(share * weight))
    welsch = 1.0 - ops.exp(-ops.sum(ops.square(y - t), axis=-1) / (2.0 * bandwidth**2))
    return _mean(ops.take(weight, index) * welsch)


def chroma_class_loss(target, logits, bins: int, balance: float = 0.5):
    """Cross-entropy of G's chroma scores against the truth's chroma, rare colours weighted up.

    The classification form of colourisation (Zhang, Isola and Efros,
    2016): `logits` (N, h, w, K) score the K in-gamut cells of the `bins`
    x `bins` chroma grid (`models.layers.chroma_bin_centres`) at 1/f of
    `target`'s size. The truth (RGB in [-1, 1]) is brought to that
    size by averaging its chroma over f x f blocks, then soft-encoded over
    the cells (a Gaussian of the distance, sigma half a cell, as the paper
    spreads each colour over its nearest bins). Each pixel's term is
    weighted by 1 / ((1 - balance) p + balance / K) of its cells, p the
    batch's share of each cell (the paper's rebalancing, with the batch as
    the prior; normalised to mean 1, no gradient through the weights), so
    white paper and skin do not drown the rarer colours. A distribution's
    loss is lowest where it puts each colour's share, so several likely
    colours stay apart instead of averaging into one in-between.
    """
    from keras_anime_cyclegan.models.layers import rgb_to_chroma

    logits = ops.cast(logits, "float32")
    factor = target.shape[1] // logits.shape[1]
    chroma = rgb_to_chroma(target)
    if factor > 1:
        chroma = ops.average_pool(chroma, factor, factor, padding="valid")
    soft, weight = chroma_targets(chroma, bins, balance)
    cross_entropy = -ops.sum(ops.stop_gradient(soft) * ops.log_softmax(logits, axis=-1), axis=-1)
    return _mean(ops.stop_gradient(weight) * cross_entropy)


def chroma_targets(chroma, bins: int, balance: float = 0.5):
    """(soft, weight) of `chroma_class_loss` for (Cb, Cr) values (last axis 2).

    `soft`: each value spread over the cells of `chroma_bin_centres(bins)`
    (a Gaussian of the distance, sigma half a cell); `weight`: each value's
    rebalancing weight, 1 / ((1 - balance) p + balance / K) of its cells
    with p the cells' share over all of `chroma` (normalised to mean 1).
    """
    from keras_anime_cyclegan.models.layers import chroma_bin_centres

    centres = chroma_bin_centres(bins)
    k, step = len(centres), 1.0 / bins
    distance2 = ops.sum(ops.square(chroma[..., None, :] - centres), axis=-1)
    soft = ops.softmax(-distance2 / (2.0 * (0.5 * step) ** 2), axis=-1)
    share = ops.mean(ops.reshape(soft, (-1, k)), axis=0)
    cell_weight = 1.0 / ((1.0 - balance) * share + balance / k)
    cell_weight = cell_weight / ops.sum(share * cell_weight)
    return soft, ops.sum(soft * cell_weight, axis=-1)

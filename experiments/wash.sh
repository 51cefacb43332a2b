#!/bin/sh
# The anti-wash comparison of #28 at equal CPU time: four arms warm-started
# from the shipped run (experiments/clipart-mobile, epoch 110), 4 epochs of
# 200 steps each at a constant 5e-5 (wash-chroma 2e-4: its new layer starts from random), 30% of the sketches in the real-sketch
# traits; then each judged on the held-out pairs, clean and as real sketches:
#   nohup experiments/wash.sh > wash.log 2>&1 &
set -eu
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
for arm in wash-l1adv wash-mode wash-adv5 wash-chroma; do
    if [ -f "experiments/$arm/checkpoints/last.npz" ]; then
        experiments/train.sh "$arm"
    else
        $PY experiments/warm_start.py "$arm" --from clipart-mobile
    fi
done
for kind in clean real; do
    extra=""
    [ "$kind" = real ] && extra="--real-sketches 0"
    $PY benchmarks/quality.py --model experiments/wash-l1adv experiments/wash-mode experiments/wash-adv5 experiments/wash-chroma pretrained \
        --pairs data/clipart-heldout --out "reports/wash-$kind" --hint-counts 0 $extra
done

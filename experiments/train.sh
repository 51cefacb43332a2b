#!/bin/sh
# Start or resume a training run kept in this repository, from a fresh clone:
#   experiments/train.sh clipart-mobile [extra kac train flags, e.g. --epochs 400]
# Renders the training pairs first if data/clipart is missing (the Debian recipe
# of the README's "Train on real art"; needs apt-get and about 10 minutes on 2 cores),
# and data/clipart-colours when the run's config uses it.
set -eu
cd "$(dirname "$0")/.."
run=experiments/$1
shift
PY=${PYTHON:-.venv/bin/python}
if [ ! -f "$run/checkpoints/last.npz" ] && [ -f "$run/log.csv" ]; then
    # Before any rendering: a run whose checkpoint left the tree (experiments/README.md, "Archived checkpoints"): git history keeps it.
    commit=$(git log -1 --format=%h --diff-filter=AM -- "$run/checkpoints/last.npz")
    echo "train.sh: error: $run has trained (log.csv) but its checkpoint is archived; restore it with" \
        "git checkout $commit -- $run/checkpoints/last.npz" >&2
    exit 1
fi
if [ ! -d data/clipart/colors ]; then
    mkdir -p data/debs
    (cd data/debs && apt-get download openclipart-svg && dpkg -x openclipart-svg_*.deb .)
    $PY -m keras_anime_cyclegan data svg-pairs --input data/debs/usr/share/openclipart/svg --out data/clipart \
        --size 256 --holdout-authors 0.15 --license "public domain (Debian openclipart-svg copyright)" \
        --exclude-license GPL
fi
config=$run.json
[ -f "$run/config.json" ] && config=$run/config.json
if grep -q 'data/clipart-colours' "$config" && [ ! -d data/clipart-colours/colors ]; then
    # The colour pictures the pair set rejected for their lines (about 5 minutes on 2 cores).
    $PY -m keras_anime_cyclegan data svg-colours --pairs data/clipart --out data/clipart-colours --exclude-license GPL
fi
if [ -f "$run/checkpoints/last.npz" ]; then
    exec $PY -m keras_anime_cyclegan train --out "$run" --resume "$@"
fi
exec $PY -m keras_anime_cyclegan train --config "$run.json" --out "$run" "$@"

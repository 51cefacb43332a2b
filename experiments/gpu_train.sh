#!/usr/bin/env bash
# On a lent GPU machine (the device tool; carry .gpu, made here by `experiments/gpu.py pack`):
#   bash experiments/gpu_train.sh SECONDS RUN [RUN...] [--from SOURCE] [kac train flags]
# installs the wheels the machine lacks, then trains the RUNs side by side on
# JAX for SECONDS (experiments/gpu.py train); each run's files come back in $OUT/RUN.
set -eu
cd "$(dirname "$0")/.."
seconds=$1
shift
PY=${PYTHON:-python3}
export KERAS_BACKEND=jax
if [ -d .gpu/whl ] && ! $PY -c 'import keras' 2>/dev/null; then
    $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .gpu/whl/*.whl
    export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
exec $PY experiments/gpu.py train --seconds "$seconds" "$@"

#!/usr/bin/env bash
# On a lent GPU machine (the device tool; carry .gpu, made here by `experiments/gpu.py pack`):
#   bash experiments/gpu_train.sh RUN SECONDS [--from SOURCE]
# installs the wheels the machine lacks, then trains RUN on JAX for SECONDS
# (experiments/gpu.py train); the run's files come back in $OUT.
set -eu
cd "$(dirname "$0")/.."
run=$1 seconds=$2
shift 2
PY=${PYTHON:-python3}
export KERAS_BACKEND=jax
if [ -d .gpu/whl ] && ! $PY -c 'import keras' 2>/dev/null; then
    $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .gpu/whl/*.whl
    export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
exec $PY experiments/gpu.py train "$run" --seconds "$seconds" "$@"

#!/usr/bin/env bash
# One prepared GPU run for the speed issue: the plain PyTorch CycleGAN step
# (the reference) and this project's step on JAX (fp32 and bf16) and on the
# torch backend (eager and torch.compile), ResNet-9 generators, 256x256, at
# batch 1, 8 and 32, each in its own process (an out-of-memory run cannot
# take the others with it). Prints one JSON line per run: seconds per step,
# images per second, the device's peak memory in total and per image.
#
# On the device machine (JAX and PyTorch there, no TensorFlow, no network):
#   - the reference step: copy ../shared/bench/torch_reference_step.py into
#     .bench/ (ignored by git) and carry it;
#   - Keras 3 and its small dependencies as Python 3.12 wheels in .whl/
#     (keras, namex, optree; README of the device tool), carried too;
#   bash benchmarks/gpu_step.sh [STAGES]      # STAGES: any of ref jax bf16 torch (default: all)
set -u
cd "$(dirname "$0")/.."
STAGES=${*:-ref jax bf16 torch}
REFERENCE=${REFERENCE:-.bench/torch_reference_step.py}
PY=${PYTHON:-python3}
SIZE=${SIZE:-256} BATCHES=${BATCHES:-1 8 32}  # smaller for a smoke test on a CPU
if [ -d .whl ]; then
    $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site
fi
export PYTHONPATH=${PYTHONPATH:+$PYTHONPATH:}$PWD:$PWD/benchmarks PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=2
export XLA_PYTHON_CLIENT_PREALLOCATE=false  # JAX's peak memory is then what the step needs, not 75% of the card
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | sed 's/^/# device: /'

reference() {  # the reference script's JSON line, then its peak memory
    timeout 300 $PY - "$REFERENCE" "$@" <<'PYEOF'
import json, runpy, sys
import torch
script = sys.argv[1]
sys.argv = sys.argv[1:]
try:
    runpy.run_path(script, run_name="__main__")
finally:
    if torch.cuda.is_available():
        peak = torch.cuda.max_memory_allocated() / 2**30
        batch = int(sys.argv[sys.argv.index("--batch") + 1])
        print(json.dumps({"reference_peak_device_GB": round(peak, 2), "GB_per_image": round(peak / batch, 3)}))
PYEOF
}

ours() {  # backend, batch, extra train_step.py options
    local backend=$1 batch=$2
    shift 2
    KERAS_BACKEND=$backend timeout 500 $PY benchmarks/train_step.py --presets resnet9 --sizes "$SIZE" \
        --batches "$batch" --steps 10 --warmup 3 "$@" 2>/dev/null | $PY -c 'import json,sys; [print(json.dumps(r)) for r in json.load(sys.stdin)["rows"]]' \
        || echo "{\"backend\": \"$backend\", \"batch\": $batch, \"options\": \"$*\", \"failed\": true}"
}

for stage in $STAGES; do
    case $stage in
    ref)
        for b in $BATCHES; do reference --size "$SIZE" --batch "$b" --steps 10 --warmup 3; done
        reference --size "$SIZE" --batch 8 --steps 10 --warmup 3 --amp --channels-last ;;
    jax) for b in $BATCHES; do ours jax "$b" --xla on; done ;;
    bf16) for b in 1 8; do ours jax "$b" --xla on --precision bfloat16; done ;;
    torch) ours torch 1 --xla off; ours torch 1 --xla on ;;
    *) echo "unknown stage $stage (ref, jax, bf16, torch)" >&2; exit 2 ;;
    esac
done

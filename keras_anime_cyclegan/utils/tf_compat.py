"""Every private TensorFlow and Keras internal the package uses, in one place.

Public APIs do not offer these, so each one is tied to the versions it was
checked on (`CHECKED`): freezing variables into constants (TFLite, TF.js,
FLOP counts), Grappler (TF.js), selective int8 quantisation with int8 input
and output (TFLite int8), the oneDNN probe, and Keras's layer walk. On
another TensorFlow they are tried anyway; a failure becomes one
`UnsupportedTensorFlow` line naming what needs which version instead of a
traceback from deep inside TensorFlow. This is why setup.cfg pins
TensorFlow below 2.22.
"""

from __future__ import annotations

import functools

CHECKED = ("2.21",)  # TensorFlow minor versions these internals were checked on


class UnsupportedTensorFlow(RuntimeError):
    """A private TensorFlow API the package needs is missing or changed in this TensorFlow."""


def _version() -> str:
    import tensorflow as tf

    return tf.__version__


def _internal(purpose: str):
    """Decorator: turns an ImportError/AttributeError/TypeError from an internal into one clear line."""

    def wrap(fn):
        @functools.wraps(fn)
        def call(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except (ImportError, AttributeError, TypeError) as e:
                version = _version()
                if any(version.startswith(v + ".") or version == v for v in CHECKED):
                    raise  # a checked version: a real bug, keep the traceback
                raise UnsupportedTensorFlow(
                    f"{purpose} uses TensorFlow internals checked on TensorFlow {', '.join(CHECKED)}; this is "
                    f"{version} ({type(e).__name__}: {e}). Install a checked version: "
                    f'pip install "tensorflow-cpu>={CHECKED[0]},<{_next(CHECKED[-1])}"'
                ) from e

        return call

    return wrap


def _next(version: str) -> str:
    major, minor = version.split(".")[:2]
    return f"{major}.{int(minor) + 1}"


@_internal("freezing a model's variables (TFLite, TF.js exports, FLOP counts)")
def convert_variables_to_constants(concrete_function):
    """`concrete_function` with its variables as constants."""
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    return convert_variables_to_constants_v2(concrete_function)


@_internal("optimising the TF.js graph with Grappler")
def optimize_graph(graph, signature, passes):
    """Grappler's `passes` over `graph`, keeping what `signature` (a SignatureDef) needs."""
    import tensorflow as tf
    from tensorflow.core.protobuf import config_pb2
    from tensorflow.python.grappler import tf_optimizer

    meta_graph = tf.compat.v1.train.export_meta_graph(graph_def=graph.as_graph_def(), graph=graph)
    meta_graph.signature_def["serving"].CopyFrom(signature)
    config = config_pb2.ConfigProto()
    config.graph_options.rewrite_options.optimizers[:] = passes
    return tf_optimizer.OptimizeGraph(config, meta_graph)


def signature_def():
    """An empty SignatureDef protocol buffer."""
    from tensorflow.core.protobuf import meta_graph_pb2

    return meta_graph_pb2.SignatureDef()


@_internal("int8 TFLite export with float32 instance normalisation")
def quantize_selectively(converter, float_ops, input_type, output_type, float_scopes=()) -> bytes:
    """Calibrates with `converter`'s representative dataset, then quantises
    fully except `float_ops` (op types) and the ops whose names contain one
    of `float_scopes` (Keras layer names), with `input_type`/`output_type`
    at the edges (as tf.lite.experimental.QuantizationDebugger does, but
    with integer edges)."""
    from ai_edge_litert.interpreter import Interpreter
    from tensorflow.lite.python.convert import mlir_quantize

    converter._experimental_calibrate_only = True
    calibrated = converter.convert()
    nodes = []
    if float_scopes:
        # An op is named after its output tensor.
        names = [t["name"] for t in Interpreter(model_content=calibrated).get_tensor_details()]
        nodes = [n for n in names if any(f"/{scope}" in n for scope in float_scopes)]
    return mlir_quantize(
        calibrated,
        fully_quantize=True,
        input_data_type=input_type,
        output_data_type=output_type,
        denylisted_ops=list(float_ops),
        denylisted_nodes=nodes or None,
    )


def onednn_enabled() -> bool:
    """Whether TensorFlow runs its oneDNN CPU kernels in this process (on by default on Intel AVX-512)."""
    try:
        from tensorflow.python.util import _pywrap_util_port
    except ImportError:  # not TensorFlow, or a build without the probe
        return False
    return bool(_pywrap_util_port.IsMklEnabled())


def all_layers(model) -> list:
    """Every layer inside `model`, nested models' layers included (Keras's own walk)."""
    return list(model._flatten_layers())


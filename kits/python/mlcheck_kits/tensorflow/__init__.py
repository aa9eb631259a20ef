"""TensorFlow (2.x, Keras; tf.compat.v1 where the manual's TF1 code needs it): import it, say what
it is and what it sees, and pin it to the requested device.

Verified only on paper: TensorFlow cannot be installed on mlcheck's build machine (README).
mlcheck decides what the facts mean: on a node with a GPU, a CPU-only build or an empty
tf.config.list_physical_devices('GPU') fails the case.
"""
import os
import sys

from ..context import OpenedFramework
from ..errors import KitRequirement


def import_tensorflow():
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '1')
    try:
        import tensorflow as tf
    except ModuleNotFoundError as e:
        if e.name not in ('tensorflow', None):
            raise  # TensorFlow is there but something it needs is not: a broken install
        raise KitRequirement('TensorFlow is not installed for this Python (%s %s): %s' % (sys.executable, sys.version.split()[0], e), missingImport='tensorflow')
    return tf


def describe(tf):
    """What TensorFlow says about its build and the GPUs it sees, as plain data."""
    try:
        build = dict(tf.sysconfig.get_build_info())
    except Exception:
        build = {}
    is_cuda_build = bool(build.get('is_cuda_build', tf.test.is_built_with_cuda()))
    build_cuda = build.get('cuda_version') if is_cuda_build else None
    build_cudnn = build.get('cudnn_version') if is_cuda_build else None
    init_error = None
    devices = []
    try:
        gpus = tf.config.list_physical_devices('GPU')
    except Exception as e:
        gpus, init_error = [], '%s: %s' % (type(e).__name__, e)
    for index, gpu in enumerate(gpus):
        details = {}
        try:
            details = tf.config.experimental.get_device_details(gpu)
        except Exception:
            pass
        capability = details.get('compute_capability')
        devices.append(dict(index=index, name=details.get('device_name', gpu.name), capability=list(capability) if capability else None, memoryBytes=None))
    if is_cuda_build and not gpus and init_error is None:
        init_error = 'TensorFlow registered no GPU device (its log on stderr says which CUDA or cuDNN library it could not load)'
    return dict(
        framework='tensorflow',
        version=tf.__version__,
        python=sys.version.split()[0],
        executable=sys.executable,
        location=os.path.dirname(tf.__file__),
        build=dict(cuda=str(build_cuda) if build_cuda else None, cudnn=str(build_cudnn) if build_cudnn else None),
        cuda=dict(available=bool(gpus), deviceCount=len(gpus), initError=init_error, devices=devices),
        # TensorFlow loads cuDNN lazily; a missing one makes it register no GPU (initError above).
        cudnnAvailable=None,
        threads=tf.config.threading.get_intra_op_parallelism_threads() or None,
        blas=None,
    )


def open_framework(device, threads, training, gpus=()):
    """gpus: the CUDA ordinals to open on (mlcheck's GPUs in scope; none: GPU 0). TensorFlow is
    made to see only those (it would create a context on every GPU it sees) and to grow its
    memory as the ops need it instead of reserving each GPU's."""
    tf = import_tensorflow()
    if threads:
        tf.config.threading.set_intra_op_parallelism_threads(int(threads))
        tf.config.threading.set_inter_op_parallelism_threads(1)
    facts = describe(tf)
    handle = '/CPU:0'
    handles = [handle]
    if device == 'cuda' and facts['cuda']['available']:
        ordinals = [int(ordinal) for ordinal in (gpus or [0])]
        try:
            physical = tf.config.list_physical_devices('GPU')
            chosen = [physical[ordinal] for ordinal in ordinals]
            tf.config.set_visible_devices(chosen, 'GPU')
            for gpu in chosen:
                tf.config.experimental.set_memory_growth(gpu, True)
            # Logical devices number the visible ones in order: /GPU:k is ordinals[k].
            handles = ['/GPU:%d' % k for k in range(len(chosen))]
            handle = handles[0]
            failure = first_gpu_op(tf, handles, ordinals)
        except Exception as e:
            failure = '%s: %s' % (type(e).__name__, e)
        if failure is not None:
            facts['cuda']['available'] = False
            facts['cuda']['initError'] = failure
    else:
        # A CPU case must not use a GPU the node happens to have.
        try:
            tf.config.set_visible_devices([], 'GPU')
        except Exception:
            pass
    return OpenedFramework(tf, device, handle, facts, handles)


def first_gpu_op(tf, handles, ordinals):
    """20 + 20 on each GPU; None when every one answers 40, else what went wrong on which."""
    failures = []
    for handle, ordinal in zip(handles, ordinals):
        try:
            with tf.device(handle):
                value = float(tf.add(tf.constant(20.0), tf.constant(20.0)).numpy())
            if value != 40.0:
                failures.append('GPU %d: 20 + 20 gave %r' % (ordinal, value))
        except Exception as e:
            failures.append('GPU %d: %s: %s' % (ordinal, type(e).__name__, (str(e).strip().splitlines() or [''])[0]))
    return '; '.join(failures) if failures else None

"""Helpers every framework's kits share: MNIST's idx files, the workloads' schedules, how far
training moved each variable, and timing. Plain Python and numpy only."""
import gzip
import math
import time

import numpy as np

from .errors import KitDataError, KitUsageError

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801


def _read(path):
    with (gzip.open if path.endswith('.gz') else open)(path, 'rb') as f:
        return f.read()


def read_idx_images(path):
    data = _read(path)
    if len(data) < 16 or int.from_bytes(data[0:4], 'big') != IMAGES_MAGIC:
        raise KitDataError('%s: not an idx3 image file (magic %s)' % (path, data[0:4].hex()), file=path)
    count, rows, cols = (int.from_bytes(data[i:i + 4], 'big') for i in (4, 8, 12))
    if len(data) != 16 + count * rows * cols:
        raise KitDataError('%s: %d bytes, expected %d for %d images of %dx%d' % (path, len(data), 16 + count * rows * cols, count, rows, cols), file=path)
    return np.frombuffer(data, np.uint8, offset=16).reshape(count, rows, cols)


def read_idx_labels(path, classes=10):
    data = _read(path)
    if len(data) < 8 or int.from_bytes(data[0:4], 'big') != LABELS_MAGIC:
        raise KitDataError('%s: not an idx1 label file (magic %s)' % (path, data[0:4].hex()), file=path)
    count = int.from_bytes(data[4:8], 'big')
    labels = np.frombuffer(data, np.uint8, offset=8)
    if labels.shape[0] != count or (count and labels.max() >= classes):
        raise KitDataError('%s: expected %d labels below %d' % (path, count, classes), file=path)
    return labels


def load_mnist(files):
    """The four files of mlcheck's mnist dataset (keys trainImages, trainLabels, testImages, testLabels)."""
    def split(images, labels):
        x, y = read_idx_images(files[images]), read_idx_labels(files[labels])
        if x.shape[1:] != (28, 28) or x.shape[0] != y.shape[0]:
            raise KitDataError('%s: expected 28x28 images matching %s\'s %d labels, found %d of %dx%d' % (files[images], files[labels], y.shape[0], x.shape[0], x.shape[1], x.shape[2]), file=files[images])
        return x, y
    train = split('trainImages', 'trainLabels')
    test = split('testImages', 'testLabels')
    return train, test


def relative_change(before, after):
    """|w_end - w_start| / (|w_start| + |w_end|) (Euclidean norms, float64): 0 for a variable that never moved."""
    before = np.asarray(before, dtype=np.float64)
    after = np.asarray(after, dtype=np.float64)
    scale = np.linalg.norm(before) + np.linalg.norm(after)
    return 0.0 if scale == 0 else float(np.linalg.norm(after - before) / scale)


def check_finite(value, workload, step):
    if not math.isfinite(value):
        raise FloatingPointError('%s: the loss diverged to %s at step %d' % (workload, value, step))
    return value


class StepTimer:
    """Wall time per training step, in ms."""

    def __init__(self):
        self.ms = []
        self._start = 0.0

    def start(self):
        self._start = time.perf_counter()

    def stop(self):
        self.ms.append((time.perf_counter() - self._start) * 1000.0)
        return self.ms[-1]


def median(values):
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return float('nan')
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


BLAS_LIBRARIES = (('openblas', 'OpenBLAS'), ('mkl_', 'MKL'), ('blis', 'BLIS'), ('flexiblas', 'FlexiBLAS'), ('atlas', 'ATLAS'))


def loaded_blas():
    """Which BLAS this process has mapped (Linux): the reference BLAS is 100x slower than OpenBLAS."""
    try:
        with open('/proc/self/maps') as f:
            libraries = sorted({line.split()[-1] for line in f if '/' in line and '.so' in line})
    except OSError:
        return None
    names = [(lib, lib.rsplit('/', 1)[-1]) for lib in libraries]
    for key, label in BLAS_LIBRARIES:
        for path, name in names:
            if key in name:
                return '%s (%s)' % (label, path)
    for path, name in names:
        if name.startswith('libblas.so'):
            return '%s (%s)' % ('reference BLAS' if '/blas/' in path else 'libblas', path)
    return None


def lenet_schedule(ctx, train_count, test_count, validation_size, batch):
    """convolutional.py's schedule: the first validation_size images validate, the rest train; the
    step count is trainSteps, or epochs over the training images. Returns (train_size, steps,
    eval_size, test_size)."""
    train_size = train_count - validation_size
    if train_size <= batch:
        raise KitUsageError('validationSize %d leaves %d training images for batch %d' % (validation_size, train_size, batch))
    train_steps = ctx.integer('trainSteps')
    steps = train_steps if train_steps > 0 else int(math.floor(ctx.number('epochs') * train_size / batch))
    return train_size, steps, min(ctx.integer('evalSize'), validation_size), min(ctx.integer('testSize'), test_count)


def vae_schedule(ctx, train_count, test_count, batch):
    """vae/main.py's schedule: whole epochs of batches, cut at trainSteps when that is set.
    Returns (steps_per_epoch, total_steps, epochs_to_run, test_size)."""
    epochs = ctx.integer('epochs')
    train_steps = ctx.integer('trainSteps')
    steps_per_epoch = math.ceil(train_count / batch)
    total_steps = min(train_steps, epochs * steps_per_epoch) if train_steps > 0 else epochs * steps_per_epoch
    return steps_per_epoch, total_steps, math.ceil(total_steps / steps_per_epoch), min(ctx.integer('testSize'), test_count)


def shuffled_repeat_batches(seed, count, batch, steps):
    """tf.data's shuffle(1000).repeat().batch(batch) over count (< 1000) rows: a fresh permutation
    per pass, batches running across passes. Yields one index array per step."""
    random = np.random.RandomState(seed)
    order, position = random.permutation(count), 0
    for _ in range(steps):
        picked = np.empty(batch, dtype=np.int64)
        for i in range(batch):
            if position == count:
                order, position = random.permutation(count), 0
            picked[i] = order[position]
            position += 1
        yield picked

"""The manual's TF session on TensorFlow 2: the constant 'Hello, TensorFlow!' and 10 + 32, and a
seeded float32 MatMul whose inputs mlcheck wrote (it compares the product with its float64
reference, as for every engine); on a GPU session, on each GPU it was opened on, one product file
each. Verified only on paper (README)."""
import numpy as np

HELLO_TEXT = 'Hello, TensorFlow!'


def run(ctx):
    tf = ctx.framework.module
    a, b = ctx.integer('a'), ctx.integer('b')
    matmul = ctx.inputs['matmul']
    outs = matmul['outs']
    if len(outs) != len(ctx.framework.handles):
        raise ValueError('%d product files for %d devices' % (len(outs), len(ctx.framework.handles)))
    left = np.fromfile(matmul['a'], dtype='<f4').reshape(matmul['rows'], matmul['inner'])
    right = np.fromfile(matmul['b'], dtype='<f4').reshape(matmul['inner'], matmul['columns'])
    wanted = 'GPU' if ctx.framework.device == 'cuda' else 'CPU'
    runs = []
    for device, out in zip(ctx.framework.handles, outs):
        ctx.progress('run', "constant '%s', %d + %d and a seeded MatMul on %s" % (HELLO_TEXT, a, b, device))
        runs.append(run_on(tf, device, wanted, a, b, left, right, out))
    return dict(runs=runs)


def run_on(tf, device, wanted, a, b, left, right, out):
    with tf.device(device):
        hello = tf.constant(HELLO_TEXT)  # string tensors live on the host in any case
        total = tf.add(tf.constant(a, dtype=tf.int32), tf.constant(b, dtype=tf.int32))
        product = tf.linalg.matmul(tf.constant(left), tf.constant(right))
    product.numpy().astype('<f4').tofile(out)
    # int32 and string tensors are kept in host memory even under a GPU scope: the float32
    # MatMul is the op whose placement proves where the work ran (/GPU:k is device k of the session).
    index = device.rsplit(':', 1)[-1]
    return dict(
        device=device,
        text=hello.numpy().decode('utf-8', errors='replace'),
        sum=int(total.numpy()),
        sumDtype=total.dtype.name,
        devices=[product.device],
        onRequestedDevice=product.device.endswith('device:%s:%s' % (wanted, index)),
    )

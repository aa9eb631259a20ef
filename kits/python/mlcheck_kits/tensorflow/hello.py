"""The manual's TF session on TensorFlow 2: the constant 'Hello, TensorFlow!' and 10 + 32, and a
seeded float32 MatMul whose inputs mlcheck wrote (it compares the product with its float64
reference, as for every engine). Verified only on paper (README)."""
import numpy as np

HELLO_TEXT = 'Hello, TensorFlow!'


def run(ctx):
    tf = ctx.framework.module
    device = ctx.framework.handle
    a, b = ctx.integer('a'), ctx.integer('b')
    matmul = ctx.inputs['matmul']
    rows, inner, columns = matmul['rows'], matmul['inner'], matmul['columns']
    ctx.progress('run', "constant '%s', %d + %d and a seeded MatMul on %s" % (HELLO_TEXT, a, b, device))
    left = np.fromfile(matmul['a'], dtype='<f4').reshape(rows, inner)
    right = np.fromfile(matmul['b'], dtype='<f4').reshape(inner, columns)
    with tf.device(device):
        hello = tf.constant(HELLO_TEXT)  # string tensors live on the host in any case
        total = tf.add(tf.constant(a, dtype=tf.int32), tf.constant(b, dtype=tf.int32))
        product = tf.linalg.matmul(tf.constant(left), tf.constant(right))
    product.numpy().astype('<f4').tofile(matmul['out'])
    wanted = 'GPU' if ctx.framework.device == 'cuda' else 'CPU'
    # int32 and string tensors are kept in host memory even under a GPU scope: the float32
    # MatMul is the op whose placement proves where the work ran.
    return dict(
        text=hello.numpy().decode('utf-8', errors='replace'),
        sum=int(total.numpy()),
        sumDtype=total.dtype.name,
        devices=[product.device],
        onRequestedDevice=('device:%s:' % wanted) in product.device,
    )

"""The manual's first check on PyTorch: the greeting and 10 + 32 as tensors on the device, and a
seeded float32 MatMul whose inputs mlcheck wrote (it compares the product with its float64
reference, as it does for every engine)."""
import numpy as np

HELLO_TEXT = 'Hello, TensorFlow!'


def run(ctx):
    torch = ctx.framework.module
    device = ctx.framework.handle
    a, b = ctx.integer('a'), ctx.integer('b')
    matmul = ctx.inputs['matmul']
    rows, inner, columns = matmul['rows'], matmul['inner'], matmul['columns']
    ctx.progress('run', "constant '%s', %d + %d and a seeded MatMul on %s" % (HELLO_TEXT, a, b, device))

    # PyTorch has no string tensor: the greeting's bytes make the round trip through the device.
    greeting = torch.tensor(list(HELLO_TEXT.encode('utf-8')), dtype=torch.uint8, device=device)
    total = torch.tensor(a, dtype=torch.int32, device=device) + torch.tensor(b, dtype=torch.int32, device=device)
    left = torch.from_numpy(np.fromfile(matmul['a'], dtype='<f4').reshape(rows, inner)).to(device)
    right = torch.from_numpy(np.fromfile(matmul['b'], dtype='<f4').reshape(inner, columns)).to(device)
    product = torch.matmul(left, right)

    placed = [t.device.type for t in (greeting, total, product)]
    product.detach().cpu().numpy().astype('<f4').tofile(matmul['out'])
    return dict(
        text=bytes(greeting.cpu().tolist()).decode('utf-8', errors='replace'),
        sum=int(total.item()),
        sumDtype=str(total.dtype),
        devices=placed,
        onRequestedDevice=all(kind == device.type for kind in placed),
    )

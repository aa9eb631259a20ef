"""The manual's first check on PyTorch: the greeting and 10 + 32 as tensors on the device, and a
seeded float32 MatMul whose inputs mlcheck wrote (it compares the product with its float64
reference, as it does for every engine). On a GPU session it runs on each GPU the session was
opened on, one product file each."""
import numpy as np

HELLO_TEXT = 'Hello, TensorFlow!'


def run(ctx):
    torch = ctx.framework.module
    a, b = ctx.integer('a'), ctx.integer('b')
    matmul = ctx.inputs['matmul']
    outs = matmul['outs']
    if len(outs) != len(ctx.framework.handles):
        raise ValueError('%d product files for %d devices' % (len(outs), len(ctx.framework.handles)))
    left_host = np.fromfile(matmul['a'], dtype='<f4').reshape(matmul['rows'], matmul['inner'])
    right_host = np.fromfile(matmul['b'], dtype='<f4').reshape(matmul['inner'], matmul['columns'])
    runs = []
    for device, out in zip(ctx.framework.handles, outs):
        ctx.progress('run', "constant '%s', %d + %d and a seeded MatMul on %s" % (HELLO_TEXT, a, b, device))
        runs.append(run_on(torch, device, a, b, left_host, right_host, out))
    return dict(runs=runs)


def run_on(torch, device, a, b, left_host, right_host, out):
    """The check on one device; torch allocates only these tensors there (a few hundred KB)."""
    # PyTorch has no string tensor: the greeting's bytes make the round trip through the device.
    greeting = torch.tensor(list(HELLO_TEXT.encode('utf-8')), dtype=torch.uint8, device=device)
    total = torch.tensor(a, dtype=torch.int32, device=device) + torch.tensor(b, dtype=torch.int32, device=device)
    left = torch.from_numpy(left_host).to(device)
    right = torch.from_numpy(right_host).to(device)
    product = torch.matmul(left, right)
    placed = [str(t.device) for t in (greeting, total, product)]
    product.detach().cpu().numpy().astype('<f4').tofile(out)
    return dict(
        device=str(device),
        text=bytes(greeting.cpu().tolist()).decode('utf-8', errors='replace'),
        sum=int(total.item()),
        sumDtype=str(total.dtype),
        devices=placed,
        onRequestedDevice=all(t.device == device for t in (greeting, total, product)),
    )

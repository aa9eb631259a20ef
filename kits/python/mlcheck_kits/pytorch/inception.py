"""classify_image.py's check on PyTorch, with the ImageNet classifier given by --model (a
TorchScript file; its sidecar says how to feed it). mlcheck decodes and preprocesses the images
as for every engine and writes them as raw float32; this kit loads the model on the device, runs
them, times batch-1 latency and batched throughput, and writes the class scores back."""
import time

import numpy as np


def run(ctx):
    torch = ctx.framework.module
    device = ctx.framework.handle
    spec = ctx.inputs
    shape = spec['imageShape']
    count = spec['count']
    ctx.progress('load', 'loading %s' % spec['model'])
    started = time.perf_counter()
    model = torch.jit.load(spec['model'], map_location=device)
    model.eval()
    load_ms = (time.perf_counter() - started) * 1000
    images = torch.from_numpy(np.fromfile(spec['images'], dtype='<f4').reshape([count] + shape)).to(device)
    on_device = all(p.device.type == device.type for p in model.parameters()) and all(b.device.type == device.type for b in model.buffers())

    def scores(batch):
        out = model(batch)
        if isinstance(out, (tuple, list)):
            out = out[0]
        if isinstance(out, dict):
            out = out[spec['outputName']] if spec['outputName'] in out else next(iter(out.values()))
        return out if spec['outputKind'] == 'softmax' else torch.softmax(out, dim=1)

    with torch.no_grad():
        classified = scores(images)
        output_device = classified.device.type
        classified.float().cpu().numpy().astype('<f4').tofile(spec['scoresOut'])
        first = images[:1]
        for _ in range(spec['warmupRuns']):
            scores(first).cpu()
        ctx.progress('latency', 'batch 1 x %d runs' % spec['latencyRuns'])
        latencies = []
        for _ in range(spec['latencyRuns']):
            started = time.perf_counter()
            scores(first).cpu()  # the copy back waits for the device
            latencies.append((time.perf_counter() - started) * 1000)
        batch = images[[i % count for i in range(spec['batch'])]]
        ctx.progress('throughput', 'batch %d x %d runs' % (spec['batch'], spec['throughputRuns']))
        scores(batch).cpu()
        started = time.perf_counter()
        for _ in range(spec['throughputRuns']):
            scores(batch).cpu()
        throughput = spec['batch'] * spec['throughputRuns'] / (time.perf_counter() - started)
    return dict(classes=int(classified.shape[1]), modelLoadMs=load_ms, latencyMs=latencies, throughput=throughput,
                onRequestedDevice=bool(on_device and output_device == device.type), placement='parameters and output on %s' % output_device)

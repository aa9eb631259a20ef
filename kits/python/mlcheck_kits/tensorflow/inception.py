"""classify_image.py on TensorFlow: the 2015-12-05 Inception-v3 GraphDef run through tf.compat.v1
as the manual's script runs it, JPEG bytes fed to DecodeJpeg/contents:0 (other formats decoded
first and fed to DecodeJpeg:0), scores from softmax:0. Where each Conv2D and MatMul ran comes
from the session's run metadata. Verified only on paper (README)."""
import time

import numpy as np

COMPUTE_OPS = ('Conv2D', 'MatMul', 'FusedConv2D', '_FusedConv2D', '_FusedMatMul')


def run(ctx):
    tf = ctx.framework.module
    v1 = tf.compat.v1
    spec = ctx.inputs
    wanted = 'GPU' if ctx.framework.device == 'cuda' else 'CPU'
    ctx.progress('load', 'loading %s' % spec['model'])
    started = time.perf_counter()
    graph = tf.Graph()
    with graph.as_default():
        graph_def = v1.GraphDef()
        with open(spec['model'], 'rb') as f:
            graph_def.ParseFromString(f.read())
        with tf.device(ctx.framework.handle):
            tf.import_graph_def(graph_def, name='')
    config = v1.ConfigProto(allow_soft_placement=False)
    if wanted == 'CPU':
        config.device_count['GPU'] = 0
    session = v1.Session(graph=graph, config=config)
    softmax = graph.get_tensor_by_name('softmax:0')
    load_ms = (time.perf_counter() - started) * 1000

    def feed(path):
        data = open(path, 'rb').read()
        if path.lower().endswith(('.jpg', '.jpeg')):
            return {'DecodeJpeg/contents:0': data}
        return {'DecodeJpeg:0': tf.io.decode_image(data, channels=3).numpy()}

    feeds = [feed(path) for path in spec['imageFiles']]
    options = v1.RunOptions(trace_level=v1.RunOptions.FULL_TRACE)
    metadata = v1.RunMetadata()
    rows = [np.squeeze(session.run(softmax, feed, options=options, run_metadata=metadata)) for feed in feeds]
    placed = {}
    for device_stats in metadata.step_stats.dev_stats:
        for node in device_stats.node_stats:
            kind = 'GPU' if '/device:GPU:' in device_stats.device else 'CPU'
            name = node.node_name.split(':')[0]
            try:
                op = graph.get_operation_by_name(name).type
            except (KeyError, ValueError):
                continue
            if op in COMPUTE_OPS:
                placed[kind] = placed.get(kind, 0) + 1
    np.stack(rows).astype('<f4').tofile(spec['scoresOut'])

    for _ in range(spec['warmupRuns']):
        session.run(softmax, feeds[0])
    ctx.progress('latency', 'batch 1 x %d runs' % spec['latencyRuns'])
    latencies = []
    for _ in range(spec['latencyRuns']):
        started = time.perf_counter()
        session.run(softmax, feeds[0])
        latencies.append((time.perf_counter() - started) * 1000)
    # The 2015 graph takes one image per run: throughput is images per second, one after another.
    total = spec['batch'] * spec['throughputRuns']
    ctx.progress('throughput', '%d images, one per run' % total)
    started = time.perf_counter()
    for i in range(total):
        session.run(softmax, feeds[i % len(feeds)])
    throughput = total / (time.perf_counter() - started)
    session.close()
    on_device = placed.get(wanted, 0) > 0 and sum(n for kind, n in placed.items() if kind != wanted) == 0
    return dict(classes=int(rows[0].shape[-1]), modelLoadMs=load_ms, latencyMs=latencies, throughput=throughput,
                onRequestedDevice=on_device, placement=', '.join('%s %d' % (kind, n) for kind, n in sorted(placed.items())) or 'no Conv2D/MatMul traced')

#!/usr/bin/env node
/**
 * ImageNet inference on mlcheck's onnx engine (onnxruntime-node, CPU provider) against its in-Node
 * peer onnxruntime-web (wasm, SIMD, threads), side by side in one process on the same
 * preprocessed tensors: batch-1 latency (median, p95 after warm-up), throughput at batch 8,
 * achieved GFLOP/s (MobileNetV2 1.0 224 is about 0.30 GMAC = 0.60 GFLOP per image).
 *
 *   npx tsc -p . && node benchmarks/inference-vs-onnxruntime-web.mjs [--data-dir ../shared/data] [--runs 30] [--batch 8] [--json] [--smoke]
 *
 * --smoke: 2 runs and 1 batch run (the test suite's check that the script still runs).
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { 'data-dir': { type: 'string' }, runs: { type: 'string' }, batch: { type: 'string' }, 'batch-runs': { type: 'string' }, json: { type: 'boolean' }, smoke: { type: 'boolean' } } });
const dataDir = path.resolve(values['data-dir'] ?? path.join(repo, '..', 'shared', 'data'));
const runs = Number(values.runs ?? (values.smoke ? 2 : 30));
const batchSize = Number(values.batch ?? 8);
const batchRuns = Number(values['batch-runs'] ?? (values.smoke ? 1 : 5));
const GFLOP_PER_IMAGE = 0.6;

const { onnxEngine } = await import(path.join(repo, 'dist/engines/onnx/index.js'));
const { readSidecar } = await import(path.join(repo, 'dist/workloads/inception/sidecar.js'));
const { preprocessImage } = await import(path.join(repo, 'dist/workloads/inception/preprocess.js'));
const { quantile } = await import(path.join(repo, 'dist/util/statistics.js'));

const modelFile = path.join(dataDir, 'imagenet', 'mobilenet_v2_1.0_224.onnx');
const sidecar = readSidecar(path.join(repo, 'models', 'mobilenet_v2_1.0_224.yaml'));
const images = ['cropped_panda.jpg', 'grace_hopper.jpg', 'cat.png', 'hot_dog.jpg', 'parrot.jpg'].map((f) => path.join(dataDir, 'images', f));
const tensors = [];
for (const image of images) tensors.push(await preprocessImage(image, sidecar));
const imageSize = tensors[0].length;
const batch = new Float32Array(batchSize * imageSize);
for (let i = 0; i < batchSize; i++) batch.set(tensors[i % tensors.length], i * imageSize);

async function measure(name, ort, session) {
  const feed = (data, n) => ({ [sidecar.input.name]: new ort.Tensor('float32', data, [n, 224, 224, 3]) });
  const first = await session.run(feed(tensors[0], 1));
  const scores = first[sidecar.output.name].data;
  let top = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[top]) top = i;
  for (let i = 0; i < 5; i++) await session.run(feed(tensors[0], 1));
  const latencies = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await session.run(feed(tensors[0], 1));
    latencies.push(performance.now() - start);
  }
  await session.run(feed(batch, batchSize));
  const start = performance.now();
  for (let i = 0; i < batchRuns; i++) await session.run(feed(batch, batchSize));
  const throughput = (batchSize * batchRuns) / ((performance.now() - start) / 1000);
  return { name, pandaTop1: top, pandaScore: scores[top], latencyMsMedian: quantile(latencies, 0.5), latencyMsP95: quantile(latencies, 0.95), throughputImagesPerS: throughput, gflops: throughput * GFLOP_PER_IMAGE };
}

const threads = os.availableParallelism();
const nodeSession = await onnxEngine.open({ backend: 'cpu', threads });
let loadStart = performance.now();
const nodeInference = await nodeSession.createInferenceSession(modelFile);
const nodeLoadMs = performance.now() - loadStart;
const node = { ...(await measure(`onnxruntime-node ${nodeSession.info.versions['onnxruntime-node']} (cpu, ${threads} threads)`, nodeSession.ort, nodeInference)), modelLoadMs: nodeLoadMs };

const ortWeb = await import('onnxruntime-web');
ortWeb.env.wasm.numThreads = Number(process.env.ORT_WEB_THREADS ?? threads);
ortWeb.env.wasm.simd = true;
loadStart = performance.now();
const webInference = await ortWeb.InferenceSession.create(modelFile, { executionProviders: ['wasm'] });
const webLoadMs = performance.now() - loadStart;
const web = { ...(await measure(`onnxruntime-web ${ortWeb.env.versions.web} (wasm, ${ortWeb.env.wasm.numThreads} threads)`, ortWeb, webInference)), modelLoadMs: webLoadMs };

const result = {
  machine: `${os.cpus()[0]?.model.trim()} x${threads}, node ${process.version}`,
  model: 'mobilenet_v2_1.0_224 (0.6 GFLOP/image)',
  runs,
  batchSize,
  batchRuns,
  engines: [node, web],
  ratios: {
    latencyMedianWebOverNode: web.latencyMsMedian / node.latencyMsMedian,
    throughputNodeOverWeb: node.throughputImagesPerS / web.throughputImagesPerS,
  },
};
if (values.json) {
  console.log(JSON.stringify(result, null, 2));
} else {
  console.log(`${result.machine}; ${result.model}; latency over ${runs} runs after 5 warm-up, throughput at batch ${batchSize} x ${batchRuns}`);
  for (const e of result.engines) {
    console.log(`${e.name.padEnd(48)} load ${e.modelLoadMs.toFixed(0).padStart(5)} ms  latency median ${e.latencyMsMedian.toFixed(2)} ms p95 ${e.latencyMsP95.toFixed(2)} ms  throughput ${e.throughputImagesPerS.toFixed(1)} images/s  ${e.gflops.toFixed(1)} GFLOP/s  panda top-1 ${e.pandaTop1} ${e.pandaScore.toFixed(5)}`);
  }
  console.log(`onnxruntime-node vs onnxruntime-web: batch-1 latency ${result.ratios.latencyMedianWebOverNode.toFixed(2)}x lower, throughput ${result.ratios.throughputNodeOverWeb.toFixed(2)}x higher`);
}
await nodeInference.release();
await webInference.release();
process.exit(0);

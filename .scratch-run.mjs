import { tfjsEngine } from './dist/engines/tfjs/index.js';
const [,, wl, backend, paramsJson, seedArg] = process.argv;
const mod = await import(`./dist/workloads/${wl}/index.js`);
const workload = Object.values(mod)[0];
const d = '/work/shared/data';
const files = { iris: { train: `${d}/iris/iris_training.csv`, test: `${d}/iris/iris_test.csv` },
  mnist: { trainImages: `${d}/mnist/train-images-idx3-ubyte.gz`, trainLabels: `${d}/mnist/train-labels-idx1-ubyte.gz`, testImages: `${d}/mnist/t10k-images-idx3-ubyte.gz`, testLabels: `${d}/mnist/t10k-labels-idx1-ubyte.gz` } };
const session = await tfjsEngine.open({ backend });
const t = Date.now();
const out = await workload.engines.tfjs(session, { profile: 'quick', seed: Number(seedArg ?? 1), params: { ...workload.defaults, ...JSON.parse(paramsJson ?? '{}') },
  data: { files: async (id) => files[id] }, outDir: '/tmp/mlout', signal: new AbortController().signal,
  progress: () => {} });
console.log(JSON.stringify(out.metrics), '\n', out.lines.join('\n'), '\n wall s', (Date.now()-t)/1000, 'tensors', session.tf.memory().numTensors);

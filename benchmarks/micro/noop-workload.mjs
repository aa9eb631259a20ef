// A workload that does nothing, so that a benchmark of an isolated case measures only mlcheck.
export const workload = {
  id: 'bench-noop',
  title: 'does nothing',
  datasets: [],
  defaults: {},
  engines: {
    tfjs: async () => ({ metrics: {}, hyperparameters: {} }),
    onnx: async () => ({ metrics: {}, hyperparameters: {} }),
  },
};

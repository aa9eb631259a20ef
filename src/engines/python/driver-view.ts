import type { DriverView } from './device-truth.js';

/**
 * The driver's CUDA version as the probe reads it (cuDriverGetVersion), asked only when a
 * framework cannot use the GPU: the probe loads the native addon, which a passing case never needs.
 */
export async function probeDriverView(): Promise<DriverView> {
  try {
    const { probeNode } = await import('../../probe/index.js');
    const snapshot = await probeNode({ installedPackages: false, busyPcieReread: false });
    return { cudaVersion: snapshot.driver?.cudaVersion ?? null, error: snapshot.gpuError };
  } catch (error) {
    return { cudaVersion: null, error: `the hardware probe failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

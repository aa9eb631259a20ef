/** What the hardware probe says about NVIDIA GPUs, reduced to what provider detection needs. */
export interface VisibleGpu {
  name: string | null;
  /** The CUDA ordinal in this process: ONNX Runtime's device_id. */
  index?: number;
  pciBusId?: string | null;
  uuid?: string | null;
}

export interface GpuVisibility {
  gpus: readonly VisibleGpu[];
  /** Why no GPU could be seen (driver missing, cuInit failed), or null. */
  error: string | null;
}

export type GpuVisibilityCheck = () => Promise<GpuVisibility>;

interface ProbeModule {
  probeNode(options: { installedPackages: false; busyPcieReread: false }): Promise<{ gpus?: readonly (VisibleGpu & { seenBy?: { cuda: boolean } })[]; gpuError?: string | null }>;
}

/** Asks the probe (src/probe) for the GPUs it sees through libcuda.so.1. */
export const probeGpuVisibility: GpuVisibilityCheck = async () => {
  // Loaded on demand: the probe pulls in the native addon, which a CPU-only run does not need.
  const specifier = '../../probe/index.js';
  let probe: ProbeModule;
  try {
    probe = (await import(specifier)) as ProbeModule;
  } catch (error) {
    return { gpus: [], error: `the hardware probe could not be loaded: ${error instanceof Error ? error.message : String(error)}` };
  }
  try {
    // Only the driver's answer matters here: neither the package database nor a busy re-read of the PCIe links (a CUDA context per GPU).
    const snapshot = await probe.probeNode({ installedPackages: false, busyPcieReread: false });
    // Only the GPUs CUDA shows can take a device_id; NVML alone lists the others when CUDA fails.
    const gpus = (snapshot.gpus ?? []).filter((gpu) => gpu.seenBy?.cuda !== false).map(({ name, index, pciBusId, uuid }) => ({ name, ...(index !== undefined && { index }), pciBusId: pciBusId ?? null, uuid: uuid ?? null }));
    return { gpus, error: snapshot.gpuError ?? null };
  } catch (error) {
    return { gpus: [], error: `the hardware probe failed: ${error instanceof Error ? error.message : String(error)}` };
  }
};

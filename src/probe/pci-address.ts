/** "00000000:3B:00.0" (NVML, CUDA) and "0000:3b:00.0" (sysfs) name the same device. */
export function normalizePciBusId(busId: string): string {
  const match = /^([0-9a-f]+):([0-9a-f]+):([0-9a-f]+)\.([0-9a-f]+)$/i.exec(busId.trim());
  if (match === null) return busId.trim().toLowerCase();
  const [domain, bus, device, fn] = match.slice(1).map((part) => parseInt(part, 16));
  const hex = (value: number | undefined, width: number) => (value ?? 0).toString(16).padStart(width, '0');
  return `${hex(domain, 4)}:${hex(bus, 2)}:${hex(device, 2)}.${hex(fn, 1)}`;
}

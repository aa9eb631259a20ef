/**
 * The few probe fields reports read. Structural, so the report layer works with any
 * ProbeSnapshot version that still carries verdicts, and with probe-less runs.
 */
export interface ProbeVerdictView {
  subject: string;
  status: string;
  reason?: string;
  fix?: string | null;
  /** Absent in reports of mlcheck before 0.2, where no verdict decided the node. */
  appliesToNode?: boolean;
}

export function probeVerdicts(probe: unknown): ProbeVerdictView[] {
  if (typeof probe !== 'object' || probe === null) return [];
  const verdicts = (probe as { verdicts?: unknown }).verdicts;
  if (!Array.isArray(verdicts)) return [];
  return verdicts.filter(
    (v): v is ProbeVerdictView => typeof v === 'object' && v !== null && typeof v.subject === 'string' && typeof v.status === 'string',
  );
}

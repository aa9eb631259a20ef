/** How a probe verdict, or one GPU's health finding, came out. */
export type VerdictStatus = 'pass' | 'warn' | 'fail' | 'skip';

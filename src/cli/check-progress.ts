import type { CheckEvent } from '../check/types.js';
import type { CliContext } from './context.js';

/** Prints a check's progress on stderr: the probe's trouble, the job's GPUs, each case. */
export function checkProgressPrinter(context: CliContext): (event: CheckEvent) => void {
  let lastPrint = 0;
  return (event) => {
    switch (event.type) {
      case 'probe-failed':
        context.err(`mlcheck: the hardware probe failed, continuing without it: ${event.reason}`);
        break;
      case 'gpus-scoped':
        context.err(event.note);
        break;
      case 'case-start':
        context.err(`[${event.index + 1}/${event.total}] ${event.spec.id} (${event.spec.profile}, timeout ${event.spec.timeoutSeconds} s${event.watchdogSeconds < event.spec.timeoutSeconds ? `, cut to ${event.watchdogSeconds.toFixed(1)} s by the deadline` : ''})`);
        break;
      case 'case-progress': {
        const now = Date.now();
        if (now - lastPrint < 1000) return;
        lastPrint = now;
        const e = event.event;
        const parts = [
          e.epoch !== undefined ? `epoch ${e.epoch}` : '',
          e.step !== undefined ? `step ${e.step}${e.totalSteps ? `/${e.totalSteps}` : ''}` : '',
          e.loss !== undefined ? `loss ${e.loss.toFixed(4)}` : '',
        ].filter(Boolean);
        context.err(`    ${e.phase}: ${parts.length ? parts.join(', ') : e.message}`);
        break;
      }
      case 'case-retry':
        context.err(`    -> ${event.result.id} ${event.result.outcome} [${event.result.failPhase}]: ${event.result.reason?.split('\n')[0] ?? ''}; running it once more (a crash or hang counts only if it repeats)`);
        break;
      case 'case-end':
        context.err(`    -> ${event.result.id} ${event.result.outcome}${event.result.reason ? `: ${event.result.reason.split('\n')[0]}` : ''}`);
        break;
      case 'case-reused':
        context.err(`    ${event.result.id}: kept from the interrupted run (${event.result.outcome})`);
        break;
    }
  };
}

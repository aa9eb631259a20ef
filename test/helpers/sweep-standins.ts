import { writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Stand-ins for Slurm's commands in `bin` (run with SLURM_BINDIR=bin and STANDIN=dir) for sweeps
 * of node01..node09 whose jobs "run" at once: sbatch gives node0N job 10N and moves what the test
 * put at $STANDIN/<node>.json (a file, a FIFO, a link: whatever it is) to DIR/<node>/report.json,
 * or makes a FIFO there for <node>.fifo, a link to the path in <node>.link; scontrol says every job completed, every node is idle, and appends
 * each `update` it is given, one per line, to $STANDIN/scontrol.log.
 */
export function writeSweepStandIns(bin: string): void {
  const standIn = (name: string, lines: string[]): void => writeFileSync(path.join(bin, name), ['#!/bin/sh', ...lines, ''].join('\n'), { mode: 0o755 });
  standIn('scontrol', [
    'case "$1 $2" in',
    '  "show hostnames") echo "$3" | tr , "\\n" ;;',
    '  "show node") for n in $(echo "$4" | tr , " "); do echo "NodeName=$n Arch=x86_64 State=IDLE"; done ;;',
    '  "show job") echo "JobId=$4 JobName=mlcheck-sweep JobState=COMPLETED Reason=None ExitCode=0:0" ;;',
    '  update*) printf "%s\\n" "$*" >> "$STANDIN/scontrol.log" ;;',
    '  *) echo "unexpected: scontrol $*" >&2; exit 1 ;;',
    'esac',
  ]);
  standIn('sbatch', [
    'for arg; do case "$arg" in --chdir=*) dir="${arg#--chdir=}" ;; --nodelist=*) node="${arg#--nodelist=}" ;; esac; done',
    'if [ -e "$STANDIN/$node.fifo" ]; then mkfifo "$dir/report.json"',
    'elif [ -e "$STANDIN/$node.link" ]; then ln -s "$(cat "$STANDIN/$node.link")" "$dir/report.json"',
    'elif [ -e "$STANDIN/$node.json" ] || [ -L "$STANDIN/$node.json" ]; then mv "$STANDIN/$node.json" "$dir/report.json"; fi',
    'echo "10${node#node0}"',
  ]);
  standIn('squeue', ['exit 0']);
  standIn('scancel', ['exit 0']);
}

/** The job id the stand-in sbatch gives a node: node03 runs job 103. */
export const standInJobId = (node: string): string => `10${node.slice(-1)}`;

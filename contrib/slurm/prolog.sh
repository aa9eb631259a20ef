#!/bin/sh
# mlcheck as a Slurm Prolog: `mlcheck slurm check --prolog` checks the job's GPUs (none for a
# job without GPUs) before the job starts. It exits 1 only when the node is broken: Slurm then
# drains the node ("Prolog error") and requeues the job, held.
#
#   slurm.conf:  Prolog=/etc/slurm/prolog.d/mlcheck.sh   (a copy of this file)
#
# Any other outcome lets the job run: undecided (mlcheck exits 0 for it in a prolog), bad
# usage (2), a missing mlcheck or a killed one. A prolog that exits non-zero drains the node,
# and a typo here must not drain every node of the cluster.

# Which mlcheck-slurm-check: this variable, else the install this script is part of
# (<prefix>/contrib/slurm/ -> <prefix>/bin/), else the packages' /usr/bin.
MLCHECK_SLURM_CHECK=${MLCHECK_SLURM_CHECK:-}

# Options for `mlcheck slurm check --prolog`, e.g.
#   set -- --prom /var/lib/prometheus/node-exporter/mlcheck-prolog.prom
set --

say() {
  echo "mlcheck-prolog: $*" >&2
  command -v logger >/dev/null 2>&1 && logger -t mlcheck-prolog -p daemon.err -- "$*"
  return 0
}

if [ -z "$MLCHECK_SLURM_CHECK" ]; then
  here=$(dirname "$(readlink -f -- "$0")")
  for candidate in "$here/../../bin/mlcheck-slurm-check" /usr/bin/mlcheck-slurm-check; do
    if [ -x "$candidate" ]; then MLCHECK_SLURM_CHECK=$candidate; break; fi
  done
fi
if [ -z "$MLCHECK_SLURM_CHECK" ] || [ ! -x "$MLCHECK_SLURM_CHECK" ]; then
  say "mlcheck-slurm-check not found (MLCHECK_SLURM_CHECK='$MLCHECK_SLURM_CHECK', $0/../../bin, /usr/bin): job ${SLURM_JOB_ID:-?} runs unchecked; set MLCHECK_SLURM_CHECK in $0"
  exit 0
fi

"$MLCHECK_SLURM_CHECK" --prolog "$@"
status=$?
case $status in
  0 | 1) exit "$status" ;;
esac
say "mlcheck-slurm-check --prolog exited $status (not a failure of the node): job ${SLURM_JOB_ID:-?} runs"
exit 0

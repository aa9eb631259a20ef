#!/bin/sh
# mlcheck as Slurm's HealthCheckProgram: `mlcheck slurm check` (the smoke profile in seconds;
# drains the node on a failure, resumes only its own drains, never drains on "undecided").
#
#   slurm.conf:  HealthCheckProgram=/etc/slurm/mlcheck-healthcheck.sh   (a copy of this file)
#                HealthCheckInterval=300
#                HealthCheckNodeState=ANY
#
# HealthCheckProgram= takes a path and no arguments, and slurmd passes almost no environment:
# this wrapper is where a site's options go until mlcheck reads /etc/mlcheck/mlcheck.yaml.

# Which mlcheck-slurm-check: this variable, else the install this script is part of
# (<prefix>/contrib/slurm/ -> <prefix>/bin/), else the packages' /usr/bin. Set it when this file
# is copied out of a relocatable install, e.g.
#   MLCHECK_SLURM_CHECK=/cm/shared/apps/mlcheck/0.1.0/bin/mlcheck-slurm-check
MLCHECK_SLURM_CHECK=${MLCHECK_SLURM_CHECK:-}

# Options for `mlcheck slurm check` (see `mlcheck slurm check --help`), e.g.
#   set -- --expect-gpus 8 --prom /var/lib/prometheus/node-exporter/mlcheck-check.prom
set --

say() {
  echo "mlcheck-healthcheck: $*" >&2
  command -v logger >/dev/null 2>&1 && logger -t mlcheck-healthcheck -p daemon.err -- "$*"
  return 0
}

if [ -z "$MLCHECK_SLURM_CHECK" ]; then
  here=$(dirname "$(readlink -f -- "$0")")
  for candidate in "$here/../../bin/mlcheck-slurm-check" /usr/bin/mlcheck-slurm-check; do
    if [ -x "$candidate" ]; then MLCHECK_SLURM_CHECK=$candidate; break; fi
  done
fi
if [ -z "$MLCHECK_SLURM_CHECK" ] || [ ! -x "$MLCHECK_SLURM_CHECK" ]; then
  # Nothing is drained: a missing checker is the site's mistake, not the node's.
  say "mlcheck-slurm-check not found (MLCHECK_SLURM_CHECK='$MLCHECK_SLURM_CHECK', $0/../../bin, /usr/bin): set MLCHECK_SLURM_CHECK in $0"
  exit 3
fi
exec "$MLCHECK_SLURM_CHECK" "$@"

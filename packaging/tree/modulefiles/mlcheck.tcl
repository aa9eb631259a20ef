#%Module1.0
##
## mlcheck: is this node fit to run ML jobs, and is it as fast as its peers?
##
## Environment Modules (Tcl). Installed as <prefix>/modulefiles/mlcheck/<version>, next to
## <version>.lua for Lmod. The install prefix is found from this file's real location, so the
## tree works under any prefix, also when this file or its folder is a symlink from a site's
## central modulefiles tree:
##   module use <prefix>/modulefiles; module load mlcheck
##

set modulefile [file normalize $ModulesCurrentModulefile]
# file normalize resolves the folders, not the file itself: follow a symlinked modulefile.
for {set hops 0} {$hops < 40 && [file type $modulefile] eq "link"} {incr hops} {
    set modulefile [file normalize [file join [file dirname $modulefile] [file readlink $modulefile]]]
}
set version [file tail $modulefile]
set prefix [file dirname [file dirname [file dirname $modulefile]]]

proc ModulesHelp {} {
    global version prefix
    puts stderr "mlcheck $version in $prefix"
    puts stderr "  mlcheck run                  probe + the quick profile of the five workloads"
    puts stderr "  mlcheck probe                CPU, memory, GPUs and the verdicts"
    puts stderr "  mlcheck-slurm-check          the Slurm HealthCheckProgram (mlcheck slurm check)"
}

module-whatis "mlcheck $version: is this node fit to run ML jobs (probe, reference workloads, Slurm health check)"

conflict mlcheck
prepend-path PATH $prefix/bin

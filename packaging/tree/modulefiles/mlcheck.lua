-- -*- lua -*-
-- mlcheck: is this node fit to run ML jobs, and is it as fast as its peers?
--
-- Lmod. Installed as <prefix>/modulefiles/mlcheck/<version>.lua, next to <version> (Tcl) for
-- Environment Modules; Lmod prefers the .lua file. The install prefix is found from this
-- file's real location (abspath follows symlinks in the folders and of the file itself), so the
-- tree works under any prefix, also when linked from a site's central modulefiles tree:
--   module use <prefix>/modulefiles; module load mlcheck

local modulefile = (abspath ~= nil and abspath(myFileName())) or myFileName()
local prefix = modulefile:gsub("/[^/]*$", ""):gsub("/[^/]*$", ""):gsub("/[^/]*$", "")
local version = myModuleVersion()

help(string.format([[
mlcheck %s in %s
  mlcheck run                  probe + the quick profile of the five workloads
  mlcheck probe                CPU, memory, GPUs and the verdicts
  mlcheck-slurm-check          the Slurm HealthCheckProgram (mlcheck slurm check)
]], version, prefix))

whatis("mlcheck " .. version .. ": is this node fit to run ML jobs (probe, reference workloads, Slurm health check)")

family("mlcheck")
prepend_path("PATH", pathJoin(prefix, "bin"))

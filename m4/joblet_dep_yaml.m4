# joblet_dep_yaml.m4 - libyaml: joblet.yml, rnx-config.yml, runtime.yml.
# Sets joblet_have_yaml, joblet_why_yaml, YAML_CFLAGS and YAML_LIBS (see joblet_dep.m4).
AC_DEFUN([JOBLET_DEP_YAML], [
	JOBLET_DEP([yaml], [YAML], [yaml-0.1 >= 0.2], [libyaml-dev])
])

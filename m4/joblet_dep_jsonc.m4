# joblet_dep_jsonc.m4 - json-c: registry.json, the API bodies, --json output.
# Sets joblet_have_jsonc, joblet_why_jsonc, JSONC_CFLAGS and JSONC_LIBS (see joblet_dep.m4).
AC_DEFUN([JOBLET_DEP_JSONC], [
	JOBLET_DEP([jsonc], [JSONC], [json-c >= 0.15], [libjson-c-dev])
])

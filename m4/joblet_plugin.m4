# joblet_plugin.m4 - one configure switch per plugin, and the summary.
#
# Every plugin in plugins/<kind>/<name>/ is declared in configure.ac with
#   JOBLET_PLUGIN([kind], [name], [dep-ids], [description])
# which gives packagers
#   --enable-<kind>-<name>=yes|no|auto
# auto (the default) builds the plugin when all its dependencies were found;
# yes with a missing dependency stops configure; no never compiles it.
# --enable-all-plugins=yes|no|auto sets the default of every switch at once
# (an explicit per-plugin switch still wins).  Each plugin gets the automake
# conditional BUILD_PLUGIN_<KIND>_<NAME>, and the shell variable
# joblet_build_<kind>_<name> (yes or no) for what several plugins share.
#
# Builtins (compiled into libjoblet, always present) are declared with
# JOBLET_PLUGIN_BUILTIN([kind], [name]) so the summary lists them.

AC_DEFUN([JOBLET_PLUGIN_INIT], [
	AC_ARG_ENABLE([all-plugins],
		[AS_HELP_STRING([--enable-all-plugins@<:@=yes|no|auto@:>@],
			[default for every --enable-<kind>-<name> switch @<:@auto@:>@])],
		[], [enable_all_plugins=auto])
	AS_CASE([$enable_all_plugins], [yes|no|auto], [],
		[AC_MSG_ERROR([--enable-all-plugins takes yes, no or auto, not `$enable_all_plugins'])])
	joblet_plugin_summary=""
	joblet_plugin_count=0
])

AC_DEFUN([JOBLET_PLUGIN], [
	AC_REQUIRE([JOBLET_PLUGIN_INIT])
	AC_ARG_ENABLE([$1-$2],
		[AS_HELP_STRING([--enable-$1-$2@<:@=yes|no|auto@:>@], [$4 @<:@auto@:>@])],
		[], [enable_$1_$2=$enable_all_plugins])
	joblet_want=$enable_$1_$2
	AS_CASE([$joblet_want], [yes|no|auto], [],
		[AC_MSG_ERROR([--enable-$1-$2 takes yes, no or auto, not `$joblet_want'])])
	joblet_missing=""
	m4_foreach_w([joblet_dep_id], [$3], [
		AS_IF([test "x$joblet_have_[]joblet_dep_id" != xyes],
			[joblet_missing="$joblet_missing${joblet_missing:+; }$joblet_why_[]joblet_dep_id"])
	])
	AS_IF([test "x$joblet_want" = xno],
		[joblet_build=no
		 joblet_state="no (disabled)"],
	      [test -z "$joblet_missing"],
		[joblet_build=yes
		 joblet_state=yes],
	      [test "x$joblet_want" = xyes],
		[AC_MSG_ERROR([plugin $1/$2 was asked for (yes) but $joblet_missing])],
		[joblet_build=no
		 joblet_state="no ($joblet_missing)"])
	AC_MSG_CHECKING([whether to build plugin $1/$2])
	AC_MSG_RESULT([$joblet_state])
	AM_CONDITIONAL(m4_toupper([BUILD_PLUGIN_$1_$2]), [test "x$joblet_build" = xyes])
	joblet_build_$1_$2=$joblet_build
	AS_IF([test "x$joblet_build" = xyes],
		[joblet_plugin_count=`expr $joblet_plugin_count + 1`])
	joblet_plugin_summary="$joblet_plugin_summary
    m4_format([%-22s], [$1/$2]) $joblet_state"
])

AC_DEFUN([JOBLET_PLUGIN_BUILTIN], [
	AC_REQUIRE([JOBLET_PLUGIN_INIT])
	joblet_plugin_summary="$joblet_plugin_summary
    m4_format([%-22s], [$1/$2]) builtin"
])

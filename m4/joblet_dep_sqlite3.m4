# joblet_dep_sqlite3.m4 - SQLite: the job store.
# Sets joblet_have_sqlite3, joblet_why_sqlite3, SQLITE3_CFLAGS and SQLITE3_LIBS (see joblet_dep.m4).
AC_DEFUN([JOBLET_DEP_SQLITE3], [
	JOBLET_DEP([sqlite3], [SQLITE3], [sqlite3 >= 3.31], [libsqlite3-dev])
])

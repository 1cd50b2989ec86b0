# joblet_dep_libarchive.m4 - libarchive: runtime packages (tar with gzip, xz, zstd, bzip2).
# Sets joblet_have_libarchive, joblet_why_libarchive, LIBARCHIVE_CFLAGS and LIBARCHIVE_LIBS (see joblet_dep.m4).
AC_DEFUN([JOBLET_DEP_LIBARCHIVE], [
	JOBLET_DEP([libarchive], [LIBARCHIVE], [libarchive >= 3.4], [libarchive-dev])
])

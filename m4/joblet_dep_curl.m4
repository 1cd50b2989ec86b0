# joblet_dep_curl.m4 - libcurl, GnuTLS flavour: rnx's API client, and the
# HTTPS client of registry/github and registry/https (plugins/registry/common).
#
# Linked where it is used: rnx and those two plugins name it in DT_NEEDED,
# so packagers, dpkg-shlibdeps and ldd see it; libjoblet, joblet and the
# per-job shim do not link it.  configure.ac makes it a requirement of rnx,
# and each of the two plugins declares it (JOBLET_PLUGIN ... [curl]).
#
# Debian ships libcurl against OpenSSL and against GnuTLS; joblet uses GnuTLS
# everywhere (one TLS stack, one CA format), so an OpenSSL-only libcurl
# counts as missing.  When cross-compiling that test cannot run and the
# libcurl found is taken as it is.
# Sets joblet_have_curl, joblet_why_curl, CURL_CFLAGS and CURL_LIBS (see joblet_dep.m4).
AC_DEFUN([JOBLET_DEP_CURL], [
	JOBLET_DEP([curl], [CURL], [libcurl >= 7.85], [libcurl4-gnutls-dev])
	AS_IF([test "x$joblet_have_curl" = xyes], [
		AC_CACHE_CHECK([whether libcurl uses GnuTLS], [joblet_cv_curl_gnutls], [
			joblet_save_CFLAGS=$CFLAGS
			joblet_save_LIBS=$LIBS
			CFLAGS="$CFLAGS $CURL_CFLAGS"
			LIBS="$LIBS $CURL_LIBS"
			AC_RUN_IFELSE([AC_LANG_PROGRAM([[
#include <string.h>
#include <curl/curl.h>
]], [[
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	return v && v->ssl_version && strstr(v->ssl_version, "GnuTLS") ? 0 : 1;
]])], [joblet_cv_curl_gnutls=yes], [joblet_cv_curl_gnutls=no],
			[joblet_cv_curl_gnutls=yes])
			CFLAGS=$joblet_save_CFLAGS
			LIBS=$joblet_save_LIBS
		])
		AS_IF([test "x$joblet_cv_curl_gnutls" != xyes], [
			joblet_have_curl=no
			joblet_why_curl="libcurl is not the GnuTLS flavour (apt-get install libcurl4-gnutls-dev)"
		])
	])
])

# joblet_dep_curl.m4 - libcurl, GnuTLS flavour: the registry downloads and rnx.
#
# Debian ships libcurl against OpenSSL and against GnuTLS; joblet uses GnuTLS
# everywhere (one TLS stack, one CA format), so an OpenSSL-only libcurl counts
# as missing.  Sets joblet_have_curl, joblet_why_curl, CURL_CFLAGS, CURL_LIBS.
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

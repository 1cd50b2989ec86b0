# joblet_dep_curl.m4 - libcurl, GnuTLS flavour: the registry downloads and rnx.
#
# Debian ships libcurl against OpenSSL and against GnuTLS; joblet uses GnuTLS
# everywhere (one TLS stack, one CA format), so an OpenSSL-only libcurl counts
# as missing.  Sets joblet_have_curl, joblet_why_curl, CURL_CFLAGS, CURL_LIBS.
#
# libjoblet does not link libcurl: core/lib/http.c loads it with dlopen() on
# the first request, so the programs and plugins that never make one (the
# per-job shim above all) do not map libcurl and its ~30 libraries.  It loads
# exactly the file configure linked the test program against, found with
# dladdr() on data inside libcurl and defined as JOBLET_CURL_SONAME (for
# example "libcurl-gnutls.so.4").  When cross-compiling the test cannot run;
# the default is then Debian's name, and configure takes another one as
# joblet_cv_curl_soname=NAME.
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
	AS_IF([test "x$joblet_have_curl" = xyes], [
		AC_CACHE_CHECK([which file libjoblet loads libcurl from], [joblet_cv_curl_soname], [
			joblet_save_CFLAGS=$CFLAGS
			joblet_save_LIBS=$LIBS
			CFLAGS="$CFLAGS $CURL_CFLAGS"
			LIBS="$LIBS $CURL_LIBS"
			rm -f conftest.soname
			dnl dladdr() on data that libcurl returns: the address of a
			dnl function could be a PLT slot of the program itself.  The
			dnl dynamic linker opened libcurl by its DT_NEEDED name, the
			dnl SONAME, so that is the base name it reports.
			AC_RUN_IFELSE([AC_LANG_PROGRAM([[
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <curl/curl.h>
]], [[
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	const char *base;
	Dl_info info;
	FILE *f;

	if (!v || !dladdr(v, &info) || !info.dli_fname)
		return 1;
	base = strrchr(info.dli_fname, '/');
	base = base ? base + 1 : info.dli_fname;
	if (strncmp(base, "lib", 3) != 0 || !strstr(base, ".so"))
		return 1;
	f = fopen("conftest.soname", "w");
	if (!f)
		return 1;
	fprintf(f, "%s\n", base);
	return fclose(f) == 0 ? 0 : 1;
]])], [joblet_cv_curl_soname=`cat conftest.soname`], [joblet_cv_curl_soname=unknown],
			[joblet_cv_curl_soname=libcurl-gnutls.so.4])
			rm -f conftest.soname
			CFLAGS=$joblet_save_CFLAGS
			LIBS=$joblet_save_LIBS
		])
		AS_CASE([$joblet_cv_curl_soname],
			[lib*.so*], [AC_DEFINE_UNQUOTED([JOBLET_CURL_SONAME], ["$joblet_cv_curl_soname"],
				[The libcurl file (SONAME) that libjoblet loads on its first request.])],
			[joblet_have_curl=no
			 joblet_why_curl="a libcurl whose file name configure can tell (it found \`$joblet_cv_curl_soname'; name it with joblet_cv_curl_soname=libcurl-gnutls.so.4)"])
	])
])

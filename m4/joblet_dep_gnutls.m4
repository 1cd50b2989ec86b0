# joblet_dep_gnutls.m4 - GnuTLS: the joblet program (`joblet certs init`, the
# TLS of the API), rnx (GnuTLS's codes say why a TLS connection failed; the
# libcurl-gnutls it uses loads the same library) and the fake HTTPS registry
# of the tests.  libjoblet does not link it: the registry plugins reach TLS
# through libcurl, which brings its own GnuTLS.
# Sets joblet_have_gnutls, joblet_why_gnutls, GNUTLS_CFLAGS and GNUTLS_LIBS (see joblet_dep.m4).
AC_DEFUN([JOBLET_DEP_GNUTLS], [
	JOBLET_DEP([gnutls], [GNUTLS], [gnutls >= 3.7], [libgnutls28-dev])
])

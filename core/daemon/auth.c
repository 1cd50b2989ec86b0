/*
 * auth.c - TLS credentials of the API and the identity of each caller.
 *
 * A client certificate is checked twice: during the handshake (GnuTLS
 * refuses a session whose certificate does not verify, so such a peer gets
 * a TLS alert and nothing else), and again before any route runs, where
 * the verification's return value and every one of its status bits must be
 * clean and the identity is read by OID (a CN that contains "OU=admin" is
 * just a CN).
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <gnutls/x509.h>

#include "auth.h"
#include "config/config.h"

static pthread_mutex_t tls_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t tls_generation; /* under tls_lock */

static const char *const role_names[] = { "none", "reader", "developer", "maintainer", "admin" };

const char *role_name(int32_t role)
{
	return role >= ROLE_NONE && role <= ROLE_ADMIN ? role_names[role] : "none";
}

int32_t role_from_ous(const char *const *ous, size_t n)
{
	int32_t least = ROLE_NONE;

	for (size_t i = 0; i < n; i++) {
		int32_t r = ROLE_NONE;

		for (int32_t k = ROLE_READER; k <= ROLE_ADMIN; k++)
			if (strcasecmp(ous[i], role_names[k]) == 0)
				r = k;
		if (strcasecmp(ous[i], "viewer") == 0)
			r = ROLE_READER;
		if (r != ROLE_NONE && (least == ROLE_NONE || r < least))
			least = r;
	}
	return least;
}

const char *auth_job_scope(const struct identity *who, bool acting)
{
	if (who->role == ROLE_ADMIN || (who->role == ROLE_READER && !acting))
		return NULL;
	return who->cn;
}

const char *tls_priorities(int32_t min_version)
{
	return min_version == 12
		       ? "SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE"
		       : "SECURE128:-VERS-ALL:+VERS-TLS1.3:%SERVER_PRECEDENCE";
}

static void datum_free(gnutls_datum_t *d)
{
	if (d->data) {
		gnutls_memset(d->data, 0, d->size);
		gnutls_free(d->data);
	}
	d->data = NULL;
	d->size = 0;
}

static char *datum_strdup(const gnutls_datum_t *d)
{
	char *s = malloc(d->size + 1);

	if (s) {
		memcpy(s, d->data, d->size);
		s[d->size] = '\0';
	}
	return s;
}

static int load(const char *key, const char *path, gnutls_datum_t *ret, struct joblet_error **err)
{
	int r = gnutls_load_file(path, ret);

	if (r < 0)
		return joblet_error_set(
			err, JOBLET_E_CONFIG, errno,
			"server.tls.%s `%s` cannot be read (%s); create the API's certificates with `joblet certs init --dir DIR` and point server.tls at them (joblet.yml(5))",
			key, path, gnutls_strerror(r));
	return 0;
}

void tls_creds_ref(struct tls_creds *c)
{
	pthread_mutex_lock(&tls_lock);
	c->refs++;
	pthread_mutex_unlock(&tls_lock);
}

void tls_creds_unref(struct tls_creds *c)
{
	int left;

	if (!c)
		return;
	pthread_mutex_lock(&tls_lock);
	left = --c->refs;
	pthread_mutex_unlock(&tls_lock);
	if (left > 0)
		return;
	if (c->cred)
		gnutls_certificate_free_credentials(c->cred);
	free(c->cert_pem);
	if (c->key_pem) {
		gnutls_memset(c->key_pem, 0, strlen(c->key_pem));
		free(c->key_pem);
	}
	free(c->ca_pem);
	free(c);
}

/* "CN=joblet-server, expires 2027-12-03" for the log; -1 when it has expired. */
static int describe_cert(const gnutls_datum_t *pem, char *buf, size_t size)
{
	gnutls_x509_crt_t crt;
	char cn[128] = "?";
	size_t cn_len = sizeof(cn);
	time_t until;
	struct tm tm;
	int r = 0;

	if (gnutls_x509_crt_init(&crt) < 0)
		return 0;
	if (gnutls_x509_crt_import(crt, pem, GNUTLS_X509_FMT_PEM) == 0) {
		gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &cn_len);
		until = gnutls_x509_crt_get_expiration_time(crt);
		gmtime_r(&until, &tm);
		snprintf(buf, size, "CN=%s, valid until %04d-%02d-%02d", cn, tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday);
		if (until < time(NULL))
			r = -1;
	}
	gnutls_x509_crt_deinit(crt);
	return r;
}

int tls_creds_load(const struct jl_config *cfg, struct tls_creds **ret, struct joblet_error **err)
{
	gnutls_datum_t cert = { NULL, 0 }, key = { NULL, 0 }, ca = { NULL, 0 }, crl = { NULL, 0 };
	struct tls_creds *c = calloc(1, sizeof(*c));
	char what[200] = "";
	int r, n;

	if (!c)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot load the TLS credentials");
	c->refs = 1;
	pthread_mutex_lock(&tls_lock);
	c->generation = ++tls_generation;
	pthread_mutex_unlock(&tls_lock);
	if ((r = load("cert", cfg->tls_cert, &cert, err)) < 0 ||
	    (r = load("key", cfg->tls_key, &key, err)) < 0 ||
	    (r = load("client_ca", cfg->tls_client_ca, &ca, err)) < 0 ||
	    (cfg->tls_crl && (r = load("crl", cfg->tls_crl, &crl, err)) < 0))
		goto fail;
	if (gnutls_certificate_allocate_credentials(&c->cred) < 0) {
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
				     "cannot load the TLS credentials");
		goto fail;
	}
	n = gnutls_certificate_set_x509_key_mem2(c->cred, &cert, &key, GNUTLS_X509_FMT_PEM, NULL,
						 0);
	if (n < 0) {
		r = joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"server.tls.cert `%s` and server.tls.key `%s` cannot be used: %s; they must be a PEM certificate and its own private key",
			cfg->tls_cert, cfg->tls_key, gnutls_strerror(n));
		goto fail;
	}
	n = gnutls_certificate_set_x509_trust_mem(c->cred, &ca, GNUTLS_X509_FMT_PEM);
	if (n <= 0) {
		r = joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"server.tls.client_ca `%s` holds no usable CA certificate%s%s; give the CA that signs the clients' certificates",
			cfg->tls_client_ca, n < 0 ? ": " : "", n < 0 ? gnutls_strerror(n) : "");
		goto fail;
	}
	if (cfg->tls_crl) {
		n = gnutls_certificate_set_x509_crl_mem(c->cred, &crl, GNUTLS_X509_FMT_PEM);
		if (n < 0) {
			r = joblet_error_set(
				err, JOBLET_E_CONFIG, 0,
				"server.tls.crl `%s` is not a PEM CRL signed by the client CA: %s",
				cfg->tls_crl, gnutls_strerror(n));
			goto fail;
		}
		snprintf(what, sizeof(what), "; CRL `%s` (%d list%s)", cfg->tls_crl, n,
			 n == 1 ? "" : "s");
	}
	if (describe_cert(&cert, c->summary, sizeof(c->summary)) < 0) {
		r = joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"server.tls.cert `%s` has expired (%s); make new certificates with `joblet certs init`",
			cfg->tls_cert, c->summary);
		goto fail;
	}
	snprintf(c->summary + strlen(c->summary), sizeof(c->summary) - strlen(c->summary), "%s",
		 what);
	c->cert_pem = datum_strdup(&cert);
	c->key_pem = datum_strdup(&key);
	c->ca_pem = datum_strdup(&ca);
	if (!c->cert_pem || !c->key_pem || !c->ca_pem) {
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
				     "cannot load the TLS credentials");
		goto fail;
	}
	datum_free(&cert);
	datum_free(&key);
	datum_free(&ca);
	datum_free(&crl);
	*ret = c;
	return 0;
fail:
	datum_free(&cert);
	datum_free(&key);
	datum_free(&ca);
	datum_free(&crl);
	tls_creds_unref(c);
	return r;
}

int auth_session_setup(gnutls_session_t session, struct tls_creds *creds,
		       gnutls_priority_t priorities)
{
	static gnutls_typed_vdata_st purpose = { GNUTLS_DT_KEY_PURPOSE_OID,
						 (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT, 0 };

	if (gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, creds->cred) < 0 ||
	    (priorities && gnutls_priority_set(session, priorities) < 0))
		return -1;
	gnutls_certificate_server_set_request(session, GNUTLS_CERT_REQUIRE);
	gnutls_session_set_verify_cert2(session, &purpose, 1, 0);
	return 0;
}

static void hex(const unsigned char *b, size_t n, char *out, size_t size)
{
	static const char digits[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < n && o + 2 < size; i++) {
		out[o++] = digits[b[i] >> 4];
		out[o++] = digits[b[i] & 15];
	}
	out[o] = '\0';
}

int auth_peer(gnutls_session_t session, struct identity *ret, struct joblet_error **err)
{
	gnutls_typed_vdata_st purpose = { GNUTLS_DT_KEY_PURPOSE_OID,
					  (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT, 0 };
	const gnutls_datum_t *peers;
	gnutls_x509_crt_t crt = NULL;
	unsigned int status = 0, n = 0;
	char ou_buf[8][128];
	const char *ous[8];
	size_t n_ous = 0, len;
	unsigned char serial[40];
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!session)
		return joblet_error_set(err, JOBLET_E_PERMISSION, 0, "not a TLS connection");
	r = gnutls_certificate_verify_peers(session, &purpose, 1, &status);
	if (r < 0 || status != 0) {
		gnutls_datum_t why = { NULL, 0 };

		if (r == 0)
			gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &why,
								     0);
		r = joblet_error_set(err, JOBLET_E_PERMISSION, 0,
				     "the client certificate does not verify: %s",
				     why.data ? (const char *)why.data : gnutls_strerror(r));
		gnutls_free(why.data);
		return r;
	}
	peers = gnutls_certificate_get_peers(session, &n);
	if (!peers || n == 0)
		return joblet_error_set(err, JOBLET_E_PERMISSION, 0, "no client certificate");
	if (gnutls_x509_crt_init(&crt) < 0 ||
	    gnutls_x509_crt_import(crt, &peers[0], GNUTLS_X509_FMT_DER) < 0) {
		gnutls_x509_crt_deinit(crt);
		return joblet_error_set(err, JOBLET_E_PERMISSION, 0,
					"the client certificate cannot be read");
	}
	len = sizeof(ret->cn);
	r = gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, ret->cn, &len);
	if (r < 0 || !ret->cn[0]) {
		r = joblet_error_set(
			err, JOBLET_E_PERMISSION, 0,
			"the client certificate has no common name (CN): give each client certificate a CN naming who uses it");
		goto out;
	}
	{
		char second[8];
		size_t l2 = sizeof(second);

		/* Two CNs: which one is the caller?  Refuse rather than guess. */
		if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 1, 0, second,
						  &l2) != GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) {
			r = joblet_error_set(
				err, JOBLET_E_PERMISSION, 0,
				"the client certificate has several common names (CN)");
			goto out;
		}
	}
	for (unsigned i = 0; n_ous < 8; i++) {
		len = sizeof(ou_buf[0]);
		r = gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_ORGANIZATIONAL_UNIT_NAME, i,
						  0, ou_buf[n_ous], &len);
		if (r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (r < 0)
			continue;
		ous[n_ous] = ou_buf[n_ous];
		n_ous++;
	}
	ret->role = role_from_ous(ous, n_ous);
	len = sizeof(serial);
	if (gnutls_x509_crt_get_serial(crt, serial, &len) == 0)
		hex(serial, len, ret->serial, sizeof(ret->serial));
	r = 0;
out:
	gnutls_x509_crt_deinit(crt);
	return r;
}

int auth_peer_recheck(gnutls_session_t session, const struct tls_creds *creds,
		      struct joblet_error **err)
{
	gnutls_typed_vdata_st purpose = { GNUTLS_DT_KEY_PURPOSE_OID,
					  (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT, 0 };
	gnutls_x509_crt_t chain[16];
	gnutls_x509_trust_list_t trust = NULL;
	const gnutls_datum_t *peers;
	unsigned int n = 0, status = 0, got = 0;
	int r = GNUTLS_E_CERTIFICATE_ERROR;

	peers = session ? gnutls_certificate_get_peers(session, &n) : NULL;
	if (!peers || n == 0)
		return joblet_error_set(err, JOBLET_E_PERMISSION, 0, "no client certificate");
	gnutls_certificate_get_trust_list(creds->cred, &trust);
	for (; got < n && got < 16; got++) {
		if (gnutls_x509_crt_init(&chain[got]) < 0)
			break;
		if (gnutls_x509_crt_import(chain[got], &peers[got], GNUTLS_X509_FMT_DER) < 0) {
			gnutls_x509_crt_deinit(chain[got]);
			break;
		}
	}
	if (got == n && trust)
		r = gnutls_x509_trust_list_verify_crt2(trust, chain, got, &purpose, 1, 0, &status,
						       NULL);
	for (unsigned int i = 0; i < got; i++)
		gnutls_x509_crt_deinit(chain[i]);
	if (r < 0 || status != 0) {
		gnutls_datum_t why = { NULL, 0 };

		if (r == 0)
			gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &why,
								     0);
		r = joblet_error_set(
			err, JOBLET_E_PERMISSION, 0,
			"the client certificate no longer verifies against the reloaded server.tls.client_ca and server.tls.crl: %s",
			why.data ? (const char *)why.data
				 : (r < 0 ? gnutls_strerror(r) : "it cannot be read"));
		gnutls_free(why.data);
		return r;
	}
	return 0;
}

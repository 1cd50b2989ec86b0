/*
 * cmd_certs.c - joblet certs init: the TLS material of a joblet host.
 *
 * One run writes a CA, the daemon's server certificate, a client certificate
 * per role and, per role, an rnx-config.yml that holds that role's
 * certificate, key and the CA inline (so it can be copied to a user's
 * machine alone), plus the operator's rnx-config.yml with every role as a
 * node.  Everything is made with the GnuTLS API in this process: keys are
 * ECDSA P-256, signatures SHA-256, serials 16 random bytes.
 *
 * Nothing is written until every certificate exists in memory; then each
 * file goes to a temporary name in DIR and is renamed into place, so an
 * interrupted run leaves no half file.  Without --force an existing file is
 * refused before any key is made, and the renames do not replace a file
 * that appeared meanwhile (the files placed so far are taken back).
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "daemon.h"
#include "secrets.h"
#include "common/cli.h"

#define CMD		"joblet certs init"
#define DEFAULT_CA_DAYS 1095
#define DEFAULT_DAYS	365
#define MAX_DAYS	36500
#define MAX_SANS	64
#define SERIAL_BYTES	16
/* Certificates start an hour in the past, for clocks a little behind ours. */
#define BACKDATE_SECONDS 3600

static const char *const roles[] = { "admin", "maintainer", "developer", "reader" };
#define N_ROLES (sizeof(roles) / sizeof(roles[0]))
/* CA (ca.pem, and ca/ with its copy and key), server, clients; a yml per role; the operator's. */
#define N_FILES (5 + 2 * N_ROLES + N_ROLES + 1)
/* The CA's own folder below DIR: what signs, to be kept off the host. */
#define CA_DIR "ca"
/* Where an older joblet put the CA key: beside the server's files. */
#define OLD_CA_KEY "ca-key.pem"

/* ------------------------------------------------------------------ cleanup */

static inline void crt_deinitp(gnutls_x509_crt_t *c)
{
	if (*c)
		gnutls_x509_crt_deinit(*c);
}
#define _cleanup_crt_ _cleanup_(crt_deinitp)

static inline void x509_privkey_deinitp(gnutls_x509_privkey_t *k)
{
	if (*k)
		gnutls_x509_privkey_deinit(*k);
}
#define _cleanup_x509_privkey_ _cleanup_(x509_privkey_deinitp)

static inline void pubkey_deinitp(gnutls_pubkey_t *k)
{
	if (*k)
		gnutls_pubkey_deinit(*k);
}
#define _cleanup_pubkey_ _cleanup_(pubkey_deinitp)

/* Free a string that may hold a private key. */
static void secret_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* ------------------------------------------------------------------ options */

struct certs_opts {
	const char *dir;
	const char *names[MAX_SANS]; /* --server-name, borrowed from argv */
	size_t n_names;
	unsigned char ips[MAX_SANS][16]; /* --ip, binary (4 or 16 bytes) */
	size_t ip_len[MAX_SANS];
	size_t n_ips;
	const char *address;
	long ca_days;
	long days;
	bool days_given;
	bool force;
};

/* The server certificate always names these. */
static const unsigned char v4_loopback[4] = { 127, 0, 0, 1 };
static const unsigned char v6_loopback[16] = { [15] = 1 };

/* Does the server certificate name DNS name `name` (case-insensitive)? */
static bool has_name(const struct certs_opts *o, const char *name)
{
	if (strcasecmp(name, "localhost") == 0)
		return true;
	for (size_t i = 0; i < o->n_names; i++)
		if (strcasecmp(o->names[i], name) == 0)
			return true;
	return false;
}

/* Does it name the address ip (len 4 or 16 bytes)? */
static bool has_ip(const struct certs_opts *o, const unsigned char *ip, size_t len)
{
	if ((len == 4 && memcmp(ip, v4_loopback, 4) == 0) ||
	    (len == 16 && memcmp(ip, v6_loopback, 16) == 0))
		return true;
	for (size_t i = 0; i < o->n_ips; i++)
		if (o->ip_len[i] == len && memcmp(o->ips[i], ip, len) == 0)
			return true;
	return false;
}

/* A usage error: exit status 2. */
static int usage(const char *fmt, ...) JOBLET_PRINTF(1, 2);
static int usage(const char *fmt, ...)
{
	va_list ap;

	fputs(CMD ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("; run `" CMD " --help`\n", stderr);
	return JL_EXIT_USAGE;
}

/* A whole number of days, 1..MAX_DAYS; -1 when s is anything else. */
static long parse_days(const char *s)
{
	long v = 0;

	if (!*s || strlen(s) > 5)
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v >= 1 && v <= MAX_DAYS ? v : -1;
}

/* An IPv4 or IPv6 address into 4 or 16 bytes; 0, or -1 when s is neither. */
static int parse_ip(const char *s, unsigned char *buf, size_t *ret_len)
{
	if (inet_pton(AF_INET, s, buf) == 1) {
		*ret_len = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, buf) == 1) {
		*ret_len = 16;
		return 0;
	}
	return -1;
}

/* A DNS name: labels of letters, digits and `-` (not first or last), dot-separated. */
static bool dns_name_valid(const char *s)
{
	size_t label = 0, len = strlen(s);

	if (len == 0 || len > 253 || s[0] == '.' || s[len - 1] == '.')
		return false;
	for (const char *p = s; *p; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-'))
			return false;
		if (label == 0 && *p == '-')
			return false;
		if (++label > 63)
			return false;
	}
	return s[len - 1] != '-';
}

/*
 * HOST:PORT or [IPv6]:PORT with a port 1..65535, as rnx reads it; the host
 * (without brackets) goes to host.  Only characters that need no quoting in
 * YAML are allowed.
 */
static bool address_valid(const char *a, char *host, size_t host_size)
{
	const char *colon, *h = a, *h_end, *p;
	long port = 0;

	if (a[0] == '[') {
		h_end = strchr(a, ']');
		if (!h_end || h_end == a + 1 || h_end[1] != ':')
			return false;
		h = a + 1;
		colon = h_end + 1;
	} else {
		colon = strrchr(a, ':');
		if (!colon || colon == a || memchr(a, ':', (size_t)(colon - a)))
			return false;
		h_end = colon;
	}
	for (p = h; p < h_end; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr(".-_:%", *p)))
			return false;
	if (!colon[1] || strlen(colon + 1) > 5)
		return false;
	for (p = colon + 1; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		port = port * 10 + (*p - '0');
	}
	if (port < 1 || port > 65535 || (size_t)(h_end - h) >= host_size)
		return false;
	memcpy(host, h, (size_t)(h_end - h));
	host[h_end - h] = '\0';
	return true;
}

static int parse_options(int argc, char **argv, struct joblet_ctx *ctx, struct certs_opts *o)
{
	static const struct option options[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "server-name", required_argument, NULL, 'n' },
		{ "ip", required_argument, NULL, 'i' },
		{ "address", required_argument, NULL, 'a' },
		{ "ca-days", required_argument, NULL, 'C' },
		{ "days", required_argument, NULL, 'D' },
		{ "force", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	char host[256];
	int c;

	memset(o, 0, sizeof(*o));
	o->address = DAEMON_DEFAULT_ADDRESS;
	o->ca_days = DEFAULT_CA_DAYS;
	o->days = DEFAULT_DAYS;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (!*optarg)
				return usage("--dir needs a folder");
			o->dir = optarg;
			break;
		case 'n': {
			unsigned char buf[16];
			size_t len;

			if (parse_ip(optarg, buf, &len) == 0)
				return usage("`%s` is an IP address; give it with --ip", optarg);
			if (!dns_name_valid(optarg))
				return usage(
					"--server-name `%s` is not a DNS name (letters, digits, `-` and `.`, such as joblet.example.com)",
					optarg);
			if (has_name(o, optarg))
				break; /* named already */
			if (o->n_names == MAX_SANS)
				return usage("at most %d --server-name", MAX_SANS);
			o->names[o->n_names++] = optarg;
			break;
		}
		case 'i':
			if (o->n_ips == MAX_SANS)
				return usage("at most %d --ip", MAX_SANS);
			if (parse_ip(optarg, o->ips[o->n_ips], &o->ip_len[o->n_ips]) < 0)
				return usage(
					"--ip `%s` is not an IPv4 or IPv6 address (such as 10.0.0.5 or fd00::5)",
					optarg);
			if (!has_ip(o, o->ips[o->n_ips], o->ip_len[o->n_ips]))
				o->n_ips++;
			break;
		case 'a':
			if (!address_valid(optarg, host, sizeof(host)))
				return usage(
					"--address `%s` is not HOST:PORT (such as %s or [fd00::5]:50051)",
					optarg, DAEMON_DEFAULT_ADDRESS);
			o->address = optarg;
			break;
		case 'C':
		case 'D': {
			long v = parse_days(optarg);

			if (v < 0)
				return usage(
					"--%s must be a whole number of days from 1 to %d, not `%s`",
					c == 'C' ? "ca-days" : "days", MAX_DAYS, optarg);
			*(c == 'C' ? &o->ca_days : &o->days) = v;
			o->days_given |= c == 'D';
			break;
		}
		case 'f':
			o->force = true;
			break;
		case 'j':
			ctx->json = 1;
			break;
		case ':':
			return usage("`%s` needs a value", argv[optind - 1]);
		default:
			return usage("unknown option `%s`", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage("unexpected argument `%s`", argv[optind]);
	if (!o->dir)
		return usage("give the folder to write into with --dir DIR");
	if (o->days > o->ca_days)
		return usage(
			"--days %ld%s is longer than the CA's %ld days (--ca-days): the certificates would outlive their CA; shorten --days or raise --ca-days",
			o->days, o->days_given ? "" : " (the default)", o->ca_days);
	return 0;
}

/* ------------------------------------------------------------------ certificates */

/* A certificate made here: its PEM, its key's PEM and what the report shows. */
struct issued {
	char *cert_pem; /* owned */
	char *key_pem;	/* owned, secret */
	char serial_hex[2 * SERIAL_BYTES + 1];
	time_t expires;
	/* Kept for signing what this certificate issues (the CA only). */
	gnutls_x509_crt_t crt;
	gnutls_privkey_t key;
	unsigned char key_id[64];
	size_t key_id_len;
};

static void issued_done(struct issued *c)
{
	free(c->cert_pem);
	secret_free(c->key_pem);
	if (c->crt)
		gnutls_x509_crt_deinit(c->crt);
	if (c->key)
		gnutls_privkey_deinit(c->key);
	memset(c, 0, sizeof(*c));
}

/* What a certificate is for. */
struct cert_profile {
	const char *ou;
	const char *cn;
	long days;
	bool ca;
	const char *purpose;	       /* the one extended key usage, or NULL (the CA) */
	const struct certs_opts *sans; /* the server's names, or NULL */
};

/* The serials of this run: 126 random bits should never repeat; they are compared anyway. */
struct serials {
	unsigned char v[N_ROLES + 2][SERIAL_BYTES];
	size_t n;
};

static int tls_error(struct joblet_error **err, int rc, const char *what, const char *cn)
{
	return joblet_error_set(err, JOBLET_E_SYSTEM, 0, "%s of `%s`: %s (GnuTLS)", what, cn,
				gnutls_strerror(rc));
}

static int new_serial(struct serials *used, unsigned char *serial, struct joblet_error **err)
{
	for (;;) {
		bool dup = false;
		int rc = gnutls_rnd(GNUTLS_RND_RANDOM, serial, SERIAL_BYTES);

		if (rc < 0)
			return joblet_error_set(err, JOBLET_E_SYSTEM, 0,
						"cannot draw a serial number: %s (GnuTLS)",
						gnutls_strerror(rc));
		/* Positive (top bit clear) and never a leading zero byte, so the
		 * DER integer is exactly SERIAL_BYTES long. */
		serial[0] = (unsigned char)((serial[0] & 0x7f) | 0x40);
		for (size_t i = 0; i < used->n; i++)
			dup |= memcmp(used->v[i], serial, SERIAL_BYTES) == 0;
		if (!dup && used->n < ELEMENTSOF(used->v)) {
			memcpy(used->v[used->n++], serial, SERIAL_BYTES);
			return 0;
		}
		if (!dup)
			return joblet_error_set(err, JOBLET_E_INTERNAL, 0, "too many certificates");
	}
}

static int add_sans(gnutls_x509_crt_t crt, const struct certs_opts *o, const char *cn,
		    struct joblet_error **err)
{
	int rc;

	rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost", 9,
						  GNUTLS_FSAN_APPEND);
	for (size_t i = 0; rc >= 0 && i < o->n_names; i++)
		rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, o->names[i],
							  (unsigned)strlen(o->names[i]),
							  GNUTLS_FSAN_APPEND);
	if (rc >= 0)
		rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, v4_loopback, 4,
							  GNUTLS_FSAN_APPEND);
	if (rc >= 0)
		rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, v6_loopback,
							  16, GNUTLS_FSAN_APPEND);
	for (size_t i = 0; rc >= 0 && i < o->n_ips; i++)
		rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, o->ips[i],
							  (unsigned)o->ip_len[i],
							  GNUTLS_FSAN_APPEND);
	return rc < 0 ? tls_error(err, rc, "cannot set the subject alternative names", cn) : 0;
}

static char *datum_to_string(const gnutls_datum_t *d)
{
	char *s = malloc(d->size + 1);

	if (s) {
		memcpy(s, d->data, d->size);
		s[d->size] = '\0';
	}
	return s;
}

/* One certificate being made: issue() runs the steps below in order. */
struct issuing {
	const struct cert_profile *p;
	const struct issued *issuer; /* NULL: self-signed (the CA) */
	gnutls_privkey_t key;	     /* the new key */
	gnutls_pubkey_t pub;	     /* its public half */
	gnutls_x509_crt_t crt;
	unsigned char serial[SERIAL_BYTES];
	struct issued out; /* what the caller gets */
};

static void issuing_done(struct issuing *is)
{
	if (is->crt)
		gnutls_x509_crt_deinit(is->crt);
	if (is->pub)
		gnutls_pubkey_deinit(is->pub);
	if (is->key)
		gnutls_privkey_deinit(is->key);
	issued_done(&is->out);
}

/* The key: ECDSA on P-256, kept as unencrypted PKCS#8 PEM, and its key id. */
static int issue_key(struct issuing *is, struct joblet_error **err)
{
	_cleanup_x509_privkey_ gnutls_x509_privkey_t xkey = NULL;
	gnutls_datum_t pem = { NULL, 0 };
	int rc;

	rc = gnutls_x509_privkey_init(&xkey);
	if (rc >= 0)
		rc = gnutls_x509_privkey_generate(
			xkey, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
	if (rc >= 0)
		rc = gnutls_x509_privkey_export2_pkcs8(xkey, GNUTLS_X509_FMT_PEM, NULL,
						       GNUTLS_PKCS_PLAIN, &pem);
	if (rc < 0)
		return tls_error(err, rc, "cannot generate the key", is->p->cn);
	is->out.key_pem = datum_to_string(&pem);
	explicit_bzero(pem.data, pem.size);
	gnutls_free(pem.data);
	if (!is->out.key_pem)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot keep the key of `%s`",
					is->p->cn);
	rc = gnutls_privkey_init(&is->key);
	if (rc >= 0) {
		rc = gnutls_privkey_import_x509(is->key, xkey, GNUTLS_PRIVKEY_IMPORT_AUTO_RELEASE);
		if (rc >= 0)
			xkey = NULL; /* key owns it now */
	}
	if (rc >= 0)
		rc = gnutls_pubkey_init(&is->pub);
	if (rc >= 0)
		rc = gnutls_pubkey_import_privkey(is->pub, is->key, 0, 0);
	is->out.key_id_len = sizeof(is->out.key_id);
	if (rc >= 0)
		rc = gnutls_pubkey_get_key_id(is->pub, GNUTLS_KEYID_USE_SHA1, is->out.key_id,
					      &is->out.key_id_len);
	return rc < 0 ? tls_error(err, rc, "cannot generate the key", is->p->cn) : 0;
}

/* Serial, validity, subject (O=joblet, OU, CN) and public key. */
static int issue_subject(struct issuing *is, time_t now)
{
	const struct cert_profile *p = is->p;
	gnutls_x509_crt_t crt = is->crt;
	int rc;

	rc = gnutls_x509_crt_set_version(crt, 3);
	if (rc >= 0)
		rc = gnutls_x509_crt_set_serial(crt, is->serial, SERIAL_BYTES);
	if (rc >= 0)
		rc = gnutls_x509_crt_set_activation_time(crt, now - BACKDATE_SECONDS);
	if (rc >= 0)
		rc = gnutls_x509_crt_set_expiration_time(crt, is->out.expires);
	if (rc >= 0)
		rc = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0,
						   "joblet", 6);
	if (rc >= 0)
		rc = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_ORGANIZATIONAL_UNIT_NAME, 0,
						   p->ou, (unsigned)strlen(p->ou));
	if (rc >= 0)
		rc = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, p->cn,
						   (unsigned)strlen(p->cn));
	if (rc >= 0)
		rc = gnutls_x509_crt_set_pubkey(crt, is->pub);
	return rc;
}

/* What the key may do, and the key ids that chain it to its issuer. */
static int issue_extensions(struct issuing *is)
{
	const struct cert_profile *p = is->p;
	const struct issued *signer = is->issuer ? is->issuer : &is->out;
	gnutls_x509_crt_t crt = is->crt;
	int rc;

	/* A CA that signs end certificates only (path length 0). */
	rc = gnutls_x509_crt_set_basic_constraints(crt, p->ca ? 1 : 0, p->ca ? 0 : -1);
	if (rc >= 0)
		rc = gnutls_x509_crt_set_key_usage(crt, p->ca ? GNUTLS_KEY_KEY_CERT_SIGN |
									GNUTLS_KEY_CRL_SIGN
							      : GNUTLS_KEY_DIGITAL_SIGNATURE);
	if (rc >= 0 && p->purpose)
		rc = gnutls_x509_crt_set_key_purpose_oid(crt, p->purpose, 0);
	if (rc >= 0)
		rc = gnutls_x509_crt_set_subject_key_id(crt, is->out.key_id, is->out.key_id_len);
	if (rc >= 0)
		rc = gnutls_x509_crt_set_authority_key_id(crt, signer->key_id, signer->key_id_len);
	return rc;
}

/* The certificate, signed by the issuer (or by its own key) and kept as PEM. */
static int issue_certificate(struct issuing *is, time_t now, struct serials *serials,
			     struct joblet_error **err)
{
	const struct cert_profile *p = is->p;
	gnutls_datum_t pem = { NULL, 0 };
	int rc, r;

	r = new_serial(serials, is->serial, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < SERIAL_BYTES; i++)
		snprintf(is->out.serial_hex + 2 * i, 3, "%02x", is->serial[i]);
	is->out.expires = now + (time_t)p->days * 86400;
	rc = gnutls_x509_crt_init(&is->crt);
	if (rc >= 0)
		rc = issue_subject(is, now);
	if (rc >= 0)
		rc = issue_extensions(is);
	if (rc < 0)
		return tls_error(err, rc, "cannot build the certificate", p->cn);
	if (p->sans) {
		r = add_sans(is->crt, p->sans, p->cn, err);
		if (r < 0)
			return r;
	}
	rc = gnutls_x509_crt_privkey_sign(is->crt, is->issuer ? is->issuer->crt : is->crt,
					  is->issuer ? is->issuer->key : is->key, GNUTLS_DIG_SHA256,
					  0);
	if (rc < 0)
		return tls_error(err, rc, "cannot sign the certificate", p->cn);
	rc = gnutls_x509_crt_export2(is->crt, GNUTLS_X509_FMT_PEM, &pem);
	if (rc < 0)
		return tls_error(err, rc, "cannot export the certificate", p->cn);
	is->out.cert_pem = datum_to_string(&pem);
	gnutls_free(pem.data);
	if (!is->out.cert_pem)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot keep the certificate of `%s`", p->cn);
	return 0;
}

/*
 * Make a key and a certificate for profile p, signed by issuer (NULL:
 * self-signed, the CA).  now is the time of the run.  The CA keeps its
 * certificate and key in *ret, to sign the others.
 */
static int issue(const struct cert_profile *p, const struct issued *issuer, time_t now,
		 struct serials *serials, struct issued *ret, struct joblet_error **err)
{
	struct issuing is = { .p = p, .issuer = issuer };
	int r;

	r = issue_key(&is, err);
	if (r == 0)
		r = issue_certificate(&is, now, serials, err);
	if (r == 0) {
		if (p->ca) {
			is.out.crt = TAKE_PTR(is.crt);
			is.out.key = TAKE_PTR(is.key);
		}
		*ret = is.out;
		memset(&is.out, 0, sizeof(is.out));
	}
	issuing_done(&is);
	return r;
}

/* ------------------------------------------------------------------ files */

struct out_file {
	char *name; /* in DIR (owned) */
	char *path; /* DIR/name (owned) */
	char *data; /* content (owned; wiped when secret) */
	mode_t mode;
	char *tmp; /* temporary file while written (owned) */
};

struct certs_run {
	struct certs_opts opts;
	char *dir; /* absolute (owned) */
	time_t now;
	struct issued ca, server, clients[N_ROLES];
	struct out_file files[N_FILES];
	size_t n_files;
	bool replaced;	 /* --force replaced files that were there */
	bool new_ca;	 /* ... among them ca.pem */
	bool secret_key; /* secrets.key was made now (never replaced: it opens jobs' secrets) */
	bool old_ca_key; /* DIR/ca-key.pem of the old layout is there (removed with --force) */
	char *old_ca_key_path; /* DIR/ca-key.pem (owned) */
	char *ca_dir;	       /* DIR/ca (owned) */
	bool made_ca_dir;      /* DIR/ca was made by this run */
	char *secret_path;     /* DIR/secrets.key (owned) */
};

static void run_done(struct certs_run *run)
{
	issued_done(&run->ca);
	issued_done(&run->server);
	for (size_t i = 0; i < N_ROLES; i++)
		issued_done(&run->clients[i]);
	for (size_t i = 0; i < run->n_files; i++) {
		struct out_file *f = &run->files[i];

		if (f->tmp)
			unlink(f->tmp);
		free(f->tmp);
		free(f->name);
		free(f->path);
		secret_free(f->data);
	}
	free(run->secret_path);
	free(run->old_ca_key_path);
	free(run->ca_dir);
	free(run->dir);
}

/* Add a file to write; data may be NULL for now (set before writing). */
static int add_file(struct certs_run *run, const char *name, mode_t mode, struct joblet_error **err)
{
	struct out_file *f = &run->files[run->n_files];

	if (run->n_files == N_FILES)
		return joblet_error_set(err, JOBLET_E_INTERNAL, 0, "too many files");
	f->name = strdup(name);
	if (!f->name || asprintf(&f->path, "%s/%s", run->dir, name) < 0) {
		f->path = NULL;
		free(f->name);
		f->name = NULL;
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot list the files");
	}
	f->mode = mode;
	run->n_files++;
	return 0;
}

static struct out_file *file_named(struct certs_run *run, const char *name)
{
	for (size_t i = 0; i < run->n_files; i++)
		if (strcmp(run->files[i].name, name) == 0)
			return &run->files[i];
	return NULL;
}

static int list_files(struct certs_run *run, struct joblet_error **err)
{
	static const char *const fixed[] = { "ca.pem", CA_DIR "/ca.pem", CA_DIR "/ca-key.pem",
					     "server.pem", "server-key.pem" };
	char name[64];
	int r = 0;

	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(fixed); i++)
		r = add_file(run, fixed[i], strstr(fixed[i], "-key") ? 0600 : 0644, err);
	for (size_t i = 0; r >= 0 && i < N_ROLES; i++) {
		snprintf(name, sizeof(name), "client-%s.pem", roles[i]);
		r = add_file(run, name, 0644, err);
		snprintf(name, sizeof(name), "client-%s-key.pem", roles[i]);
		if (r >= 0)
			r = add_file(run, name, 0600, err);
	}
	for (size_t i = 0; r >= 0 && i < N_ROLES; i++) {
		snprintf(name, sizeof(name), "rnx-config-%s.yml", roles[i]);
		r = add_file(run, name, 0600, err);
	}
	if (r >= 0)
		r = add_file(run, "rnx-config.yml", 0600, err);
	return r;
}

/* mkdir -p: missing parents 0755, DIR itself 0700. */
static int make_dir(const char *dir, struct joblet_error **err)
{
	_cleanup_free_ char *buf = strdup(dir);
	struct stat st;

	size_t len;

	if (!buf)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot create `%s`", dir);
	/* `certs/` is `certs`: else the loop below would make it, with the parents' mode. */
	len = strlen(buf);
	while (len > 1 && buf[len - 1] == '/')
		buf[--len] = '\0';
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return joblet_error_set(err, JOBLET_E_IO, errno, "cannot create `%s`", buf);
		*p = '/';
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot create `%s`", dir);
	if (stat(buf, &st) < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot use `%s`", dir);
	if (!S_ISDIR(st.st_mode))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"`%s` is not a folder; choose another --dir", dir);
	return 0;
}

/*
 * DIR/ca, mode 0700: the CA's key and a copy of its certificate, apart from
 * what the daemon reads, so the folder can leave the host as one piece.
 */
static int make_ca_dir(struct certs_run *run, struct joblet_error **err)
{
	struct stat st;

	if (mkdir(run->ca_dir, 0700) == 0)
		run->made_ca_dir = true;
	else if (errno != EEXIST)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot create `%s`", run->ca_dir);
	if (lstat(run->ca_dir, &st) < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot use `%s`", run->ca_dir);
	if (!S_ISDIR(st.st_mode))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"`%s` is not a folder; remove it or choose another --dir",
					run->ca_dir);
	/* Whatever the umask, and whatever an older run or a person left. */
	if ((st.st_mode & 07777) != 0700 && chmod(run->ca_dir, 0700) < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot make `%s` mode 0700",
					run->ca_dir);
	return 0;
}

/* Refuse (without --force) when a file to write exists already. */
static int check_existing(struct certs_run *run, struct joblet_error **err)
{
	const char *first = NULL;
	size_t n = 0;
	struct stat st;

	for (size_t i = 0; i < run->n_files; i++) {
		if (lstat(run->files[i].path, &st) == 0) {
			/* A rename cannot replace a folder: refuse before anything is written. */
			if (S_ISDIR(st.st_mode))
				return joblet_error_set(
					err, JOBLET_E_EXISTS, 0,
					"`%s` is a folder; remove it or choose another --dir",
					run->files[i].path);
			if (!first)
				first = run->files[i].path;
			n++;
			if (strcmp(run->files[i].name, "ca.pem") == 0)
				run->new_ca = true;
		} else if (errno != ENOENT)
			return joblet_error_set(err, JOBLET_E_IO, errno, "cannot check `%s`",
						run->files[i].path);
	}
	/* The old layout's CA key: replaced (removed) with the CA, refused like the others. */
	if (faccessat(AT_FDCWD, run->old_ca_key_path, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		run->old_ca_key = true;
		if (!first)
			first = run->old_ca_key_path;
		n++;
	}
	run->replaced = n > 0;
	if (n == 0 || run->opts.force)
		return 0;
	if (n == 1)
		return joblet_error_set(
			err, JOBLET_E_EXISTS, 0,
			"`%s` exists already; pass --force to replace the CA and every certificate, or choose another --dir",
			first);
	return joblet_error_set(
		err, JOBLET_E_EXISTS, 0,
		"`%s` and %zu more of the files to write exist already; pass --force to replace the CA and every certificate, or choose another --dir",
		first, n - 1);
}

/* Write f to .NAME.tmp-XXXXXX, a hidden name beside its place (mode set, synced). */
static int write_tmp(struct out_file *f, struct joblet_error **err)
{
	const char *base = strrchr(f->path, '/') + 1;
	int fd, saved;

	if (asprintf(&f->tmp, "%.*s.%s.tmp-XXXXXX", (int)(base - f->path), f->path, base) < 0) {
		f->tmp = NULL;
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot write `%s`", f->path);
	}
	fd = mkostemp(f->tmp, O_CLOEXEC);
	if (fd < 0) {
		saved = errno;
		free(f->tmp);
		f->tmp = NULL;
		return joblet_error_set(err, JOBLET_E_IO, saved, "cannot create a file beside `%s`",
					f->path);
	}
	if (fchmod(fd, f->mode) < 0 || jl_write_all(fd, f->data, strlen(f->data)) < 0 ||
	    fsync(fd) < 0) {
		saved = errno;
		close(fd);
		return joblet_error_set(err, JOBLET_E_IO, saved, "cannot write `%s`", f->tmp);
	}
	if (close(fd) < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot write `%s`", f->tmp);
	return 0;
}

/* Rename without replacing (--force off); 0, or -1 with errno. */
static int place(const char *from, const char *to, bool replace)
{
	if (replace)
		return rename(from, to);
#ifdef RENAME_NOREPLACE
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
#endif
	/* A file system without RENAME_NOREPLACE: a hard link never replaces. */
	if (link(from, to) < 0)
		return -1;
	return unlink(from);
}

static int write_files(struct certs_run *run, struct joblet_error **err)
{
	_cleanup_free_ char *dir_path = NULL;
	int r = 0, dfd;

	for (size_t i = 0; i < run->n_files; i++) {
		r = write_tmp(&run->files[i], err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < run->n_files; i++) {
		struct out_file *f = &run->files[i];

		if (place(f->tmp, f->path, run->opts.force) < 0) {
			int saved = errno;

			/* Without --force every file placed so far is new: take them back. */
			for (size_t j = 0; !run->opts.force && j < i; j++)
				unlink(run->files[j].path);
			if (!run->opts.force && run->made_ca_dir)
				(void)rmdir(run->ca_dir); /* only when empty: then ours */
			if (saved == EEXIST)
				return joblet_error_set(
					err, JOBLET_E_EXISTS, 0,
					"`%s` appeared while the certificates were made; nothing was written; pass --force to replace it, or choose another --dir",
					f->path);
			if (!run->opts.force)
				return joblet_error_set(
					err, JOBLET_E_IO, saved,
					"cannot put `%s` in place; nothing was written", f->path);
			return joblet_error_set(
				err, JOBLET_E_IO, saved,
				"cannot replace `%s`; the files before it were replaced, the others kept; run again once it can be replaced",
				f->path);
		}
		free(f->tmp);
		f->tmp = NULL;
	}
	dfd = open(run->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

/* ------------------------------------------------------------------ rnx-config.yml */

/* Append to *buf (a growing string); -1 on out of memory (then *buf is freed). */
static int append(char **buf, const char *fmt, ...) JOBLET_PRINTF(2, 3);
static int append(char **buf, const char *fmt, ...)
{
	char *more = NULL, *joined = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&more, fmt, ap);
	va_end(ap);
	if (n < 0) {
		secret_free(*buf);
		*buf = NULL;
		return -1;
	}
	n = asprintf(&joined, "%s%s", *buf ? *buf : "", more);
	secret_free(more);
	secret_free(*buf);
	*buf = n < 0 ? NULL : joined;
	return n < 0 ? -1 : 0;
}

/* A PEM as a YAML block scalar at the node's setting depth (6 spaces). */
static int append_pem(char **buf, const char *key, const char *pem)
{
	if (append(buf, "    %s: |\n", key) < 0)
		return -1;
	for (const char *line = pem; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);

		if (len && append(buf, "      %.*s\n", (int)len, line) < 0)
			return -1;
		line += len + (nl ? 1 : 0);
	}
	return 0;
}

static int append_node(char **buf, const char *name, const char *address,
		       const struct issued *client, const struct issued *ca)
{
	if (append(buf, "  %s:\n    address: \"%s\"\n", name, address) < 0 ||
	    append_pem(buf, "cert", client->cert_pem) < 0 ||
	    append_pem(buf, "key", client->key_pem) < 0 || append_pem(buf, "ca", ca->cert_pem) < 0)
		return -1;
	return 0;
}

static void rfc3339(time_t t, char *buf, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int make_configs(struct certs_run *run, struct joblet_error **err)
{
	const char *addr = run->opts.address;
	char name[64], date[32];
	char *buf;

	rfc3339(run->now, date, sizeof(date));
	for (size_t i = 0; i < N_ROLES; i++) {
		buf = NULL;
		if (append(&buf,
			   "# rnx(1) client configuration of role `%s`, written by `joblet certs init` on %s.\n"
			   "# Its certificate, key and CA are inline: this file is all rnx needs.\n"
			   "# It holds a private key: keep it mode 0600, e.g. as ~/.rnx/rnx-config.yml.\n"
			   "nodes:\n",
			   roles[i], date) < 0 ||
		    append_node(&buf, "default", addr, &run->clients[i], &run->ca) < 0)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
						"cannot make the rnx configuration of `%s`",
						roles[i]);
		snprintf(name, sizeof(name), "rnx-config-%s.yml", roles[i]);
		file_named(run, name)->data = buf;
	}
	buf = NULL;
	if (append(&buf,
		   "# rnx(1) client configuration of the operator, written by `joblet certs init` on %s:\n"
		   "# one node per role, all at the same address (`rnx --node reader ...`).\n"
		   "# It holds private keys: keep it mode 0600.\n"
		   "default: admin\n"
		   "nodes:\n",
		   date) < 0)
		goto oom;
	for (size_t i = 0; i < N_ROLES; i++)
		if (append_node(&buf, roles[i], addr, &run->clients[i], &run->ca) < 0)
			goto oom;
	file_named(run, "rnx-config.yml")->data = buf;
	return 0;
oom:
	return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
				"cannot make the operator's rnx configuration");
}

/* ------------------------------------------------------------------ the run */

static int take_copy(struct out_file *f, const char *s, struct joblet_error **err)
{
	f->data = strdup(s);
	return f->data ? 0
		       : joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot keep `%s`", f->name);
}

static int certs_make(struct certs_run *run, struct joblet_error **err)
{
	const struct certs_opts *o = &run->opts;
	struct serials serials = { .n = 0 };
	struct cert_profile ca = { "CA", "joblet-ca", o->ca_days, true, NULL, NULL };
	struct cert_profile server = { "server", "joblet-server",	   o->days,
				       false,	 GNUTLS_KP_TLS_WWW_SERVER, o };
	char name[64], cn[64];
	int r;

	r = issue(&ca, NULL, run->now, &serials, &run->ca, err);
	if (r >= 0)
		r = issue(&server, &run->ca, run->now, &serials, &run->server, err);
	for (size_t i = 0; r >= 0 && i < N_ROLES; i++) {
		struct cert_profile client = {
			roles[i], cn, o->days, false, GNUTLS_KP_TLS_WWW_CLIENT, NULL
		};

		snprintf(cn, sizeof(cn), "%s-client", roles[i]);
		r = issue(&client, &run->ca, run->now, &serials, &run->clients[i], err);
	}
	if (r < 0)
		return r;
	r = take_copy(file_named(run, "ca.pem"), run->ca.cert_pem, err);
	if (r >= 0)
		r = take_copy(file_named(run, CA_DIR "/ca.pem"), run->ca.cert_pem, err);
	if (r >= 0)
		r = take_copy(file_named(run, CA_DIR "/ca-key.pem"), run->ca.key_pem, err);
	if (r >= 0)
		r = take_copy(file_named(run, "server.pem"), run->server.cert_pem, err);
	if (r >= 0)
		r = take_copy(file_named(run, "server-key.pem"), run->server.key_pem, err);
	for (size_t i = 0; r >= 0 && i < N_ROLES; i++) {
		snprintf(name, sizeof(name), "client-%s.pem", roles[i]);
		r = take_copy(file_named(run, name), run->clients[i].cert_pem, err);
		snprintf(name, sizeof(name), "client-%s-key.pem", roles[i]);
		if (r >= 0)
			r = take_copy(file_named(run, name), run->clients[i].key_pem, err);
	}
	if (r >= 0)
		r = make_configs(run, err);
	return r;
}

/* The host of --address is one of the server certificate's names? */
static bool address_covered(const struct certs_opts *o)
{
	unsigned char buf[16];
	char host[256];
	size_t len;

	if (!address_valid(o->address, host, sizeof(host)))
		return false;
	if (parse_ip(host, buf, &len) == 0)
		return has_ip(o, buf, len);
	return has_name(o, host);
}

static void server_names(const struct certs_opts *o, FILE *out, json_object *dns, json_object *ip)
{
	char text[INET6_ADDRSTRLEN];

	if (out)
		fputs("localhost", out);
	if (dns)
		json_object_array_add(dns, json_object_new_string("localhost"));
	for (size_t i = 0; i < o->n_names; i++) {
		if (out)
			fprintf(out, ", %s", o->names[i]);
		if (dns)
			json_object_array_add(dns, json_object_new_string(o->names[i]));
	}
	if (out)
		fputs(", 127.0.0.1, ::1", out);
	if (ip) {
		json_object_array_add(ip, json_object_new_string("127.0.0.1"));
		json_object_array_add(ip, json_object_new_string("::1"));
	}
	for (size_t i = 0; i < o->n_ips; i++) {
		inet_ntop(o->ip_len[i] == 4 ? AF_INET : AF_INET6, o->ips[i], text, sizeof(text));
		if (out)
			fprintf(out, ", %s", text);
		if (ip)
			json_object_array_add(ip, json_object_new_string(text));
	}
}

static json_object *cert_json(const struct certs_run *run, const struct issued *c,
			      const char *cert_name, const char *key_name, const char *subject)
{
	json_object *o = json_object_new_object();
	char path[PATH_MAX + 64], date[32];

	snprintf(path, sizeof(path), "%s/%s", run->dir, cert_name);
	json_object_object_add(o, "cert", json_object_new_string(path));
	snprintf(path, sizeof(path), "%s/%s", run->dir, key_name);
	json_object_object_add(o, "key", json_object_new_string(path));
	json_object_object_add(o, "subject", json_object_new_string(subject));
	json_object_object_add(o, "serial", json_object_new_string(c->serial_hex));
	rfc3339(c->expires, date, sizeof(date));
	json_object_object_add(o, "expires", json_object_new_string(date));
	return o;
}

static void print_json(const struct certs_run *run)
{
	json_object *o = json_object_new_object(), *files = json_object_new_array();
	json_object *server, *clients = json_object_new_array(), *dns = json_object_new_array();
	json_object *ip = json_object_new_array(), *tls = json_object_new_object();
	json_object *srv = json_object_new_object(), *yml = json_object_new_object();
	char name[64], key[64], subject[128], path[PATH_MAX + 64];

	json_object_object_add(o, "dir", json_object_new_string(run->dir));
	for (size_t i = 0; i < run->n_files; i++)
		json_object_array_add(files, json_object_new_string(run->files[i].path));
	json_object_object_add(o, "files", files);
	json_object_object_add(o, "replaced", json_object_new_boolean(run->replaced));
	json_object_object_add(o, "ca",
			       cert_json(run, &run->ca, "ca.pem", CA_DIR "/ca-key.pem",
					 "CN=joblet-ca,OU=CA,O=joblet"));
	json_object_object_add(o, "ca_dir", json_object_new_string(run->ca_dir));
	server = cert_json(run, &run->server, "server.pem", "server-key.pem",
			   "CN=joblet-server,OU=server,O=joblet");
	server_names(&run->opts, NULL, dns, ip);
	json_object_object_add(server, "dns_names", dns);
	json_object_object_add(server, "ip_addresses", ip);
	json_object_object_add(o, "server", server);
	for (size_t i = 0; i < N_ROLES; i++) {
		json_object *c;

		snprintf(name, sizeof(name), "client-%s.pem", roles[i]);
		snprintf(key, sizeof(key), "client-%s-key.pem", roles[i]);
		snprintf(subject, sizeof(subject), "CN=%s-client,OU=%s,O=joblet", roles[i],
			 roles[i]);
		c = cert_json(run, &run->clients[i], name, key, subject);
		json_object_object_add(c, "role", json_object_new_string(roles[i]));
		snprintf(path, sizeof(path), "%s/rnx-config-%s.yml", run->dir, roles[i]);
		json_object_object_add(c, "rnx_config", json_object_new_string(path));
		json_object_array_add(clients, c);
	}
	json_object_object_add(o, "clients", clients);
	snprintf(path, sizeof(path), "%s/rnx-config.yml", run->dir);
	json_object_object_add(o, "rnx_config", json_object_new_string(path));
	json_object_object_add(o, "secret_key", json_object_new_string(run->secret_path));
	json_object_object_add(o, "secret_key_created", json_object_new_boolean(run->secret_key));
	json_object_object_add(o, "address", json_object_new_string(run->opts.address));
	snprintf(path, sizeof(path), "%s/server.pem", run->dir);
	json_object_object_add(tls, "cert", json_object_new_string(path));
	snprintf(path, sizeof(path), "%s/server-key.pem", run->dir);
	json_object_object_add(tls, "key", json_object_new_string(path));
	snprintf(path, sizeof(path), "%s/ca.pem", run->dir);
	json_object_object_add(tls, "client_ca", json_object_new_string(path));
	json_object_object_add(srv, "tls", tls);
	json_object_object_add(yml, "server", srv);
	json_object_object_add(o, "joblet_yml", yml);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* One line of the report: the file, then what it is. */
static void report_line(const char *name, const char *fmt, ...) JOBLET_PRINTF(2, 3);
static void report_line(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("  %-26s ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void print_text(const struct certs_run *run)
{
	char date[32], name[64], cn[64];

	printf("Wrote %zu files to %s:\n", run->n_files, run->dir);
	rfc3339(run->ca.expires, date, sizeof(date));
	report_line("ca.pem", "the CA, joblet-ca, expires %s (the daemon's client_ca)", date);
	report_line(CA_DIR "/ca-key.pem", "its key: it signs certificates and CRLs (folder 0700)");
	report_line(CA_DIR "/ca.pem", "a copy of ca.pem, to go with its key");
	rfc3339(run->server.expires, date, sizeof(date));
	report_line("server.pem", "the server, joblet-server, expires %s", date);
	printf("  %-26s for ", "");
	server_names(&run->opts, stdout, NULL, NULL);
	putchar('\n');
	report_line("server-key.pem", "its key");
	for (size_t i = 0; i < N_ROLES; i++) {
		rfc3339(run->clients[i].expires, date, sizeof(date));
		snprintf(name, sizeof(name), "client-%s.pem", roles[i]);
		snprintf(cn, sizeof(cn), "%s-client", roles[i]);
		report_line(name, "role %s, %s, expires %s", roles[i], cn, date);
		snprintf(name, sizeof(name), "client-%s-key.pem", roles[i]);
		report_line(name, "its key");
	}
	for (size_t i = 0; i < N_ROLES; i++) {
		snprintf(name, sizeof(name), "rnx-config-%s.yml", roles[i]);
		report_line(name, "rnx config of role %s: node `default` at %s", roles[i],
			    run->opts.address);
	}
	report_line("rnx-config.yml", "rnx config of the operator: a node per role, default admin");
	report_line("secrets.key", "%s",
		    run->secret_key
			    ? "the key of jobs' secrets at rest: keep it private, back it up"
			    : "kept as it was (it opens the secrets of jobs that wait)");
	printf("\nPut these lines into joblet.yml:\n\n"
	       "server:\n"
	       "  tls:\n"
	       "    cert: %s/server.pem\n"
	       "    key: %s/server-key.pem\n"
	       "    client_ca: %s/ca.pem\n"
	       "\nGive each user the rnx-config-<role>.yml of their role, to keep as\n"
	       "~/.rnx/rnx-config.yml (mode 0600: it holds their key).\n"
	       "\nThe daemon never needs the CA's key: whoever holds %s/ can make\n"
	       "certificates of any role.  Move that folder off this host, e.g.\n"
	       "  tar -C %s -czf joblet-ca.tar.gz " CA_DIR
	       " && (store joblet-ca.tar.gz offline) && rm -r %s\n"
	       "and bring it back only to sign a client certificate or a CRL with it\n"
	       "(certtool --load-ca-certificate %s/ca.pem --load-ca-privkey %s/ca-key.pem).\n",
	       run->dir, run->dir, run->dir, run->ca_dir, run->dir, run->ca_dir, run->ca_dir,
	       run->ca_dir);
}

int joblet_cmd_certs_init(int argc, char **argv, void *userdata)
{
	struct joblet_ctx *ctx = userdata;
	struct certs_run run = { 0 };
	struct joblet_error *e = NULL;
	char *abs;
	int r;

	r = parse_options(argc, argv, ctx, &run.opts);
	if (r)
		return r;
	r = make_dir(run.opts.dir, &e);
	if (r < 0)
		goto fail;
	abs = realpath(run.opts.dir, NULL);
	if (!abs) {
		r = joblet_error_set(&e, JOBLET_E_IO, errno, "cannot resolve `%s`", run.opts.dir);
		goto fail;
	}
	run.dir = abs;
	run.now = time(NULL);
	run.ca_dir = jl_strdup_printf("%s/" CA_DIR, run.dir);
	run.old_ca_key_path = jl_strdup_printf("%s/" OLD_CA_KEY, run.dir);
	if (!run.ca_dir || !run.old_ca_key_path) {
		r = joblet_error_set(&e, JOBLET_E_NOMEM, ENOMEM, "cannot list the files");
		goto fail;
	}
	r = list_files(&run, &e);
	if (r >= 0)
		r = check_existing(&run, &e);
	if (r >= 0)
		r = certs_make(&run, &e);
	if (r >= 0)
		r = make_ca_dir(&run, &e);
	if (r >= 0)
		r = write_files(&run, &e);
	/* The old layout's key belongs to the replaced CA: it must not stay beside the server's. */
	if (r >= 0 && run.old_ca_key && unlink(run.old_ca_key_path) < 0 && errno != ENOENT)
		r = joblet_error_set(&e, JOBLET_E_IO, errno, "cannot remove the old CA key `%s`",
				     run.old_ca_key_path);
	/* The key of jobs' secrets at rest: made once, kept by --force (secrets.h). */
	if (r >= 0 && asprintf(&run.secret_path, "%s/secrets.key", run.dir) < 0) {
		run.secret_path = NULL;
		r = joblet_error_set(&e, JOBLET_E_NOMEM, ENOMEM, "cannot make the secret key");
	}
	if (r >= 0)
		r = secret_key_create(run.secret_path, &run.secret_key, &e);
	if (r < 0)
		goto fail;
	if (!address_covered(&run.opts))
		fprintf(stderr,
			CMD
			": warning: the server certificate does not name the host of --address `%s`, so rnx will refuse the server there; run again with --force and --server-name or --ip for that host\n",
			run.opts.address);
	if (run.new_ca)
		fprintf(stderr,
			CMD
			": note: a new CA replaced the one in `%s`: certificates of the old CA no longer work; give every user their new rnx-config-<role>.yml and restart `joblet serve`\n",
			run.dir);
	if (ctx->json)
		print_json(&run);
	else
		print_text(&run);
	run_done(&run);
	return JL_EXIT_OK;
fail:
	fprintf(stderr, CMD ": %s\n", joblet_error_message(e));
	joblet_error_free(e);
	run_done(&run);
	return JL_EXIT_FAILURE;
}

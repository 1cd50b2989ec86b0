/*
 * auth.h - who is calling and what they may do.
 *
 * The TLS credentials of the API (server certificate, the client CA, the
 * CRL) live in one reference-counted struct tls_creds, so SIGHUP can load
 * new ones while connections still use the old.  A client is identified by
 * its certificate: identity = CN, role = OU (admin, maintainer, developer,
 * reader; viewer means reader; several role OUs give the least privileged;
 * OUs that name no role are ignored; none at all is refused).
 */
#ifndef JOBLET_DAEMON_AUTH_H
#define JOBLET_DAEMON_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include <gnutls/gnutls.h>

#include "config/config.h"
#include <joblet/error.h>

enum role {
	ROLE_NONE = 0,
	ROLE_READER = 1,
	ROLE_DEVELOPER = 2,
	ROLE_MAINTAINER = 3,
	ROLE_ADMIN = 4,
};

/* "reader", ...; "none" for ROLE_NONE. */
const char *role_name(int32_t role);

/*
 * The role of a certificate whose OUs are ous[0..n): the least privileged
 * of those that name a role (any case; `viewer` = reader), ROLE_NONE when
 * none does.
 */
int32_t role_from_ous(const char *const *ous, size_t n);

struct tls_creds {
	gnutls_certificate_credentials_t cred;
	int refs;			   /* under tls_lock */
	char *cert_pem, *key_pem, *ca_pem; /* what MHD is started with */
	char summary[256];		   /* for the log: subject, expiry, CRL entries */
	uint64_t generation;		   /* 1, 2, ...: a new one at each load */
};

/*
 * Load server.tls.* of cfg into new credentials (refs = 1).  Every problem
 * names the key and the file and says what to do (`joblet certs init`).
 */
int tls_creds_load(const struct jl_config *cfg, struct tls_creds **ret, struct joblet_error **err);
void tls_creds_ref(struct tls_creds *c);
void tls_creds_unref(struct tls_creds *c);

/* The GnuTLS priority string for server.tls.min_version (12 or 13). */
const char *tls_priorities(int32_t min_version);

/* Who is on the other end of a verified TLS session. */
struct identity {
	char cn[256];
	char serial[80]; /* hex */
	int32_t role;	 /* enum role */
	int32_t reserved;
};

/*
 * Whose jobs a caller sees (acting false) or acts on (acting true): NULL
 * for every job, else the CN whose jobs alone it may touch.  A job belongs
 * to the CN of the certificate that submitted it (a run of a recurring job
 * to the recurring job's), so two certificates with one CN (a renewed one,
 * one per machine) are one identity; the serial is only audited.
 *   admin                 sees and acts on every job
 *   reader (viewer)       sees every job, acts on none (its role keeps it
 *                         off every mutating route; were one opened to it,
 *                         it would act only on jobs of its own CN)
 *   developer, maintainer sees and acts on its own jobs only
 * ROLE_NONE never gets this far; it is scoped to its CN all the same.
 */
const char *auth_job_scope(const struct identity *who, bool acting);

/*
 * Verify the client certificate of session against the credentials the
 * session uses (chain to the client CA, validity, CRL, EKU clientAuth) and
 * read its identity.  Both GnuTLS's return value and every status bit must
 * be clean.  Errors: JOBLET_E_PERMISSION with the reason.
 */
int auth_peer(gnutls_session_t session, struct identity *ret, struct joblet_error **err);

/*
 * Verify the client certificate of an established session again, against
 * creds rather than the credentials its handshake used: after a reload
 * (SIGHUP) the current client CA and CRL decide whether a connection opened
 * before it may go on.  Errors: JOBLET_E_PERMISSION with the reason.
 */
int auth_peer_recheck(gnutls_session_t session, const struct tls_creds *creds,
		      struct joblet_error **err);

/*
 * Make a new server session strict before its handshake: require a client
 * certificate and verify it during the handshake (chain, validity, CRL and
 * the clientAuth purpose), with creds as its certificate credentials.
 */
int auth_session_setup(gnutls_session_t session, struct tls_creds *creds,
		       gnutls_priority_t priorities);

#endif /* JOBLET_DAEMON_AUTH_H */

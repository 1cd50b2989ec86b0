/*
 * secrets.c - the secret env of jobs that wait to start, encrypted at rest
 * with AES-256-GCM through GnuTLS (see secrets.h).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "base/cleanup.h"
#include "job/job_secrets.h"
#include "secrets.h"

#define KEY_BYTES   32
#define NONCE_BYTES 12
#define TAG_BYTES   16
#define MAGIC	    "JLSEC1\0\0"
#define MAGIC_BYTES 8
#define HEAD_BYTES  (MAGIC_BYTES + NONCE_BYTES)

struct secret_key {
	uint8_t key[KEY_BYTES];
	char *path;
};

char *secret_key_path(const struct jl_config *cfg)
{
	const char *tls = cfg->tls_key ? cfg->tls_key : "";
	const char *slash = strrchr(tls, '/');
	char *path = NULL;

	if (cfg->secret_key_file)
		return strdup(cfg->secret_key_file);
	if (!slash)
		return strdup("secrets.key");
	if (asprintf(&path, "%.*s/secrets.key", (int)(slash - tls), tls) < 0)
		return NULL;
	return path;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static int unhex(const char *s, uint8_t *b, size_t n)
{
	for (size_t i = 0; i < 2 * n; i++) {
		const char *d = strchr("0123456789abcdef", s[i] | 0x20);

		if (!s[i] || !d)
			return -1;
		if (i % 2 == 0)
			b[i / 2] = (uint8_t)((d - "0123456789abcdef") << 4);
		else
			b[i / 2] |= (uint8_t)(d - "0123456789abcdef");
	}
	return s[2 * n] == '\0' || s[2 * n] == '\n' ? 0 : -1;
}

int secret_key_create(const char *path, bool *ret_created, struct joblet_error **err)
{
	uint8_t key[KEY_BYTES];
	char text[2 * KEY_BYTES + 2];
	_cleanup_close_ int fd = -1;
	int r = 0;

	if (ret_created)
		*ret_created = false;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST)
		return 0;
	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno,
					"cannot create the secret key file `%s`", path);
	if (gnutls_rnd(GNUTLS_RND_KEY, key, sizeof(key)) < 0) {
		r = joblet_error_set(err, JOBLET_E_SYSTEM, 0, "cannot make a random secret key");
	} else {
		hex(key, sizeof(key), text);
		text[2 * KEY_BYTES] = '\n';
		text[2 * KEY_BYTES + 1] = '\0';
	}
	explicit_bzero(key, sizeof(key));
	if (r == 0 &&
	    (fchmod(fd, 0600) < 0 || jl_write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0))
		r = joblet_error_set(err, JOBLET_E_IO, errno,
				     "cannot write the secret key file `%s`", path);
	explicit_bzero(text, sizeof(text));
	if (r < 0) {
		unlink(path);
		return r;
	}
	if (ret_created)
		*ret_created = true;
	return 0;
}

/* Is path inside the folder dir (both resolved)?  Where they cannot be resolved: no. */
static bool inside(const char *path, const char *dir)
{
	_cleanup_free_ char *rdir = realpath(dir, NULL);
	_cleanup_free_ char *parent = strdup(path);
	_cleanup_free_ char *rparent = NULL;
	char *slash = parent ? strrchr(parent, '/') : NULL;
	size_t n;

	if (!rdir || !parent)
		return false;
	if (slash == parent)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	rparent = realpath(slash ? parent : ".", NULL);
	if (!rparent)
		return false;
	n = strlen(rdir);
	return strncmp(rparent, rdir, n) == 0 && (rparent[n] == '\0' || rparent[n] == '/');
}

/* The key in the file at path: 0600, ours, 64 hex digits. */
static int read_key(const char *path, uint8_t *key, struct joblet_error **err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char text[2 * KEY_BYTES + 8];
	struct stat st;
	ssize_t n;
	int r = 0;

	if (fd < 0)
		return joblet_error_set(
			err, JOBLET_E_CONFIG, errno,
			"cannot open the secret key file `%s` (security.secret_key_file)", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return joblet_error_set(err, JOBLET_E_CONFIG, errno,
					"the secret key file `%s` is not a regular file", path);
	if ((st.st_mode & 077) != 0 || st.st_uid != geteuid())
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"the secret key file `%s` must be mode 0600 and owned by the daemon's user; run `chmod 600 %s`",
			path, path);
	n = read(fd, text, sizeof(text) - 1);
	if (n < 0)
		return joblet_error_set(err, JOBLET_E_CONFIG, errno,
					"cannot read the secret key file `%s`", path);
	text[n] = '\0';
	if (unhex(text, key, KEY_BYTES) < 0)
		r = joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"the secret key file `%s` does not hold 64 hex digits; restore it from a backup (jobs that wait keep their secrets under it)",
			path);
	explicit_bzero(text, sizeof(text));
	return r;
}

int secret_key_load(const struct jl_config *cfg, struct secret_key **ret, bool *ret_created,
		    struct joblet_error **err)
{
	struct secret_key *k = calloc(1, sizeof(*k));
	int r;

	if (!k || !(k->path = secret_key_path(cfg))) {
		free(k);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot load the secret key");
	}
	if (inside(k->path, cfg->state_dir))
		r = joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"the secret key file `%s` is inside the state folder `%s`; set security.secret_key_file to a path outside it (e.g. beside server.tls.key)",
			k->path, cfg->state_dir);
	else
		r = secret_key_create(k->path, ret_created, err);
	if (r == 0)
		r = read_key(k->path, k->key, err);
	if (r < 0) {
		secret_key_free(k);
		return r;
	}
	*ret = k;
	return 0;
}

void secret_key_free(struct secret_key *key)
{
	if (!key)
		return;
	explicit_bzero(key->key, sizeof(key->key));
	free(key->path);
	free(key);
}

/* ------------------------------------------------------------------ sealing */

/* The associated data of job id: the magic and the id. */
static size_t make_ad(const char *id, uint8_t *ad, size_t size)
{
	size_t n = strlen(id);

	if (n > size - MAGIC_BYTES)
		n = size - MAGIC_BYTES;
	memcpy(ad, MAGIC, MAGIC_BYTES);
	memcpy(ad + MAGIC_BYTES, id, n);
	return MAGIC_BYTES + n;
}

static int aead_open(const struct secret_key *key, gnutls_aead_cipher_hd_t *h,
		     struct joblet_error **err)
{
	gnutls_datum_t d = { (unsigned char *)key->key, KEY_BYTES };
	int rc = gnutls_aead_cipher_init(h, GNUTLS_CIPHER_AES_256_GCM, &d);

	if (rc < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, 0, "AES-256-GCM is not available: %s",
					gnutls_strerror(rc));
	return 0;
}

/* plain (len bytes) encrypted for job id into a new buffer: the file's bytes. */
static int encrypt(const struct secret_key *key, const char *id, const uint8_t *plain, size_t len,
		   uint8_t **ret, size_t *ret_len, struct joblet_error **err)
{
	gnutls_aead_cipher_hd_t h;
	uint8_t ad[MAGIC_BYTES + 64];
	size_t ad_len = make_ad(id, ad, sizeof(ad)), out_len = len + TAG_BYTES;
	uint8_t *out = malloc(HEAD_BYTES + out_len);
	int rc;

	if (!out)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot encrypt the secrets");
	memcpy(out, MAGIC, MAGIC_BYTES);
	if (gnutls_rnd(GNUTLS_RND_NONCE, out + MAGIC_BYTES, NONCE_BYTES) < 0) {
		free(out);
		return joblet_error_set(err, JOBLET_E_SYSTEM, 0, "cannot make a random nonce");
	}
	if (aead_open(key, &h, err) < 0) {
		free(out);
		return -1;
	}
	rc = gnutls_aead_cipher_encrypt(h, out + MAGIC_BYTES, NONCE_BYTES, ad, ad_len, TAG_BYTES,
					plain, len, out + HEAD_BYTES, &out_len);
	gnutls_aead_cipher_deinit(h);
	if (rc < 0) {
		free(out);
		return joblet_error_set(err, JOBLET_E_SYSTEM, 0, "cannot encrypt the secrets: %s",
					gnutls_strerror(rc));
	}
	*ret = out;
	*ret_len = HEAD_BYTES + out_len;
	return 0;
}

/* The file's bytes (len) of job id decrypted into a new buffer. */
static int decrypt(const struct secret_key *key, const char *id, const uint8_t *in, size_t len,
		   uint8_t **ret, size_t *ret_len, struct joblet_error **err)
{
	gnutls_aead_cipher_hd_t h;
	uint8_t ad[MAGIC_BYTES + 64];
	size_t ad_len = make_ad(id, ad, sizeof(ad)), out_len;
	uint8_t *out;
	int rc;

	if (len < HEAD_BYTES + TAG_BYTES || memcmp(in, MAGIC, MAGIC_BYTES) != 0)
		return joblet_error_set(err, JOBLET_E_PARSE, 0, "not a file of encrypted secrets");
	out_len = len - HEAD_BYTES - TAG_BYTES;
	out = malloc(out_len ? out_len : 1);
	if (!out)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot decrypt the secrets");
	if (aead_open(key, &h, err) < 0) {
		free(out);
		return -1;
	}
	rc = gnutls_aead_cipher_decrypt(h, in + MAGIC_BYTES, NONCE_BYTES, ad, ad_len, TAG_BYTES,
					in + HEAD_BYTES, len - HEAD_BYTES, out, &out_len);
	gnutls_aead_cipher_deinit(h);
	if (rc < 0) {
		jl_job_secrets_wipe(out, len - HEAD_BYTES - TAG_BYTES);
		return joblet_error_set(
			err, JOBLET_E_PARSE, 0,
			"they do not decrypt with the secret key `%s` (another key, or the file was altered)",
			key->path);
	}
	*ret = out;
	*ret_len = out_len;
	return 0;
}

/* bytes to DIR/secrets.enc, a new file, 0600 whatever the umask. */
static int write_new(const char *dir, const uint8_t *bytes, size_t len, struct joblet_error **err)
{
	char path[4200];
	_cleanup_close_ int fd = -1;

	snprintf(path, sizeof(path), "%s/" JL_JOB_SECRETS_FILE, dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return joblet_error_set(err, errno == EEXIST ? JOBLET_E_EXISTS : JOBLET_E_IO, errno,
					"cannot create `%s`", path);
	if (fchmod(fd, 0600) < 0 || jl_write_all(fd, bytes, len) < 0) {
		int saved = errno;

		unlink(path);
		return joblet_error_set(err, JOBLET_E_IO, saved, "cannot write `%s`", path);
	}
	return 0;
}

static int seal_packed(const struct secret_key *key, const char *dir, const char *id,
		       const uint8_t *plain, size_t len, struct joblet_error **err)
{
	uint8_t *file = NULL;
	size_t file_len = 0;
	int r = encrypt(key, id, plain, len, &file, &file_len, err);

	if (r == 0)
		r = write_new(dir, file, file_len, err);
	free(file);
	return r;
}

int secrets_seal(const struct secret_key *key, const char *dir, const char *id, char *const *env,
		 struct joblet_error **err)
{
	uint8_t *plain = NULL;
	size_t len = 0;
	int r;

	if (!env || !env[0])
		return 0;
	r = jl_job_secrets_pack(env, &plain, &len, err);
	if (r == 0)
		r = seal_packed(key, dir, id, plain, len, err);
	jl_job_secrets_wipe(plain, len);
	return r;
}

/* The decrypted packed list of job id in dir; *ret NULL when there is no file. */
static int open_packed(const struct secret_key *key, const char *dir, const char *id, uint8_t **ret,
		       size_t *ret_len, struct joblet_error **err)
{
	char path[4200];
	_cleanup_close_ int fd = -1;
	_cleanup_free_ uint8_t *file = NULL;
	struct stat st;
	size_t got = 0;
	int r;

	*ret = NULL;
	*ret_len = 0;
	snprintf(path, sizeof(path), "%s/" JL_JOB_SECRETS_FILE, dir);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &st) < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot read `%s`", path);
	if (!S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > JL_JOB_SECRETS_MAX + HEAD_BYTES + TAG_BYTES)
		return joblet_error_set(err, JOBLET_E_PARSE, 0, "`%s` is not a file of secrets",
					path);
	file = malloc((size_t)st.st_size + 1);
	if (!file)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read `%s`", path);
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, file + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return joblet_error_set(err, JOBLET_E_IO, n < 0 ? errno : EIO,
						"cannot read `%s`", path);
		got += (size_t)n;
	}
	r = decrypt(key, id, file, got, ret, ret_len, err);
	if (r < 0)
		joblet_error_prefix(err, r, "`%s`", path);
	return r;
}

int secrets_open_fd(const struct secret_key *key, const char *dir, const char *id, int *ret_fd,
		    struct joblet_error **err)
{
	uint8_t *plain = NULL;
	size_t len = 0;
	int r = open_packed(key, dir, id, &plain, &len, err);

	*ret_fd = -1;
	if (r < 0 || !plain)
		return r;
	r = jl_job_secrets_memfd(plain, len, err);
	jl_job_secrets_wipe(plain, len);
	if (r < 0)
		return r;
	*ret_fd = r;
	return 0;
}

int secrets_copy(const struct secret_key *key, const char *from_dir, const char *from_id,
		 const char *to_dir, const char *to_id, struct joblet_error **err)
{
	uint8_t *plain = NULL;
	size_t len = 0;
	int r = open_packed(key, from_dir, from_id, &plain, &len, err);

	if (r < 0 || !plain)
		return r;
	r = seal_packed(key, to_dir, to_id, plain, len, err);
	jl_job_secrets_wipe(plain, len);
	return r;
}

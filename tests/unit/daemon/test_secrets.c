/*
 * test_secrets.c - the secret env of waiting jobs at rest
 * (core/daemon/secrets.c): the key file is made once, 0600, and refused
 * when others may read it or it lies in the state folder; sealed secrets
 * hold no value in clear, open only for their own job id and key, and
 * come back as the sealed memfd the shim reads.
 */
#include <config.h>

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jl_test.h"
#include "jl_tmp.h"
#include "secrets.h"
#include "config/config.h"
#include "job/job_secrets.h"

#define ID_A  "11111111-1111-4111-8111-111111111111"
#define ID_B  "22222222-2222-4222-8222-222222222222"
#define VALUE "v4lue-that-must-not-leak"

static struct joblet_error *err;
static struct jl_config *cfg;

static void setup(void)
{
	jl_tmp_setup();
	err = NULL;
	ck_assert_int_eq(jl_config_defaults(&cfg, NULL), 0);
	free(cfg->state_dir);
	cfg->state_dir = strdup(jl_tmp_path("state"));
	ck_assert_int_eq(mkdir(cfg->state_dir, 0700), 0);
	ck_assert_int_eq(mkdir(jl_tmp_path("certs"), 0700), 0);
	free(cfg->tls_key);
	cfg->tls_key = strdup(jl_tmp_path("certs/server-key.pem"));
}

static void teardown(void)
{
	joblet_error_free(err);
	err = NULL;
	jl_config_free(cfg);
	jl_tmp_teardown();
}

/* Does the file at path hold needle anywhere? */
static bool file_has(const char *path, const char *needle)
{
	char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	ck_assert_int_gt(n, 0);
	return memmem(buf, (size_t)n, needle, strlen(needle)) != NULL;
}

START_TEST(test_key_file)
{
	struct secret_key *key = NULL;
	const char *path = jl_tmp_path("certs/secrets.key");
	struct stat st;
	bool created = false;
	mode_t old = umask(0);

	/* Made at the first load, beside the TLS key, 0600 whatever the umask. */
	ck_assert_msg(secret_key_load(cfg, &key, &created, &err) == 0, "%s",
		      joblet_error_message(err));
	umask(old);
	ck_assert(created);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	secret_key_free(key);
	/* Kept, never replaced. */
	ck_assert_int_eq(secret_key_load(cfg, &key, &created, NULL), 0);
	ck_assert(!created);
	secret_key_free(key);
	/* Readable by others: refused, saying what to do. */
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_lt(secret_key_load(cfg, &key, NULL, &err), 0);
	ck_assert_int_eq(err->code, JOBLET_E_CONFIG);
	ck_assert_ptr_nonnull(strstr(joblet_error_message(err), "chmod 600"));
	joblet_error_clear(&err);
	/* Inside the state folder: refused. */
	cfg->secret_key_file = strdup(jl_tmp_path("state/secrets.key"));
	ck_assert_int_lt(secret_key_load(cfg, &key, NULL, &err), 0);
	ck_assert_ptr_nonnull(strstr(joblet_error_message(err), "inside the state folder"));
	ck_assert_int_ne(access(cfg->secret_key_file, F_OK), 0);
}
END_TEST

START_TEST(test_seal_and_open)
{
	struct secret_key *key = NULL, *other = NULL;
	char *env[] = { (char *)"TOKEN=" VALUE, (char *)"B=x=y", NULL };
	char **back = NULL;
	char sealed[4200];
	struct stat st;
	int fd = -1;

	ck_assert_int_eq(secret_key_load(cfg, &key, NULL, NULL), 0);
	ck_assert_int_eq(mkdir(jl_tmp_path("a"), 0700), 0);
	ck_assert_int_eq(mkdir(jl_tmp_path("b"), 0700), 0);
	ck_assert_msg(secrets_seal(key, jl_tmp_path("a"), ID_A, env, &err) == 0, "%s",
		      joblet_error_message(err));
	snprintf(sealed, sizeof(sealed), "%s/" JL_JOB_SECRETS_FILE, jl_tmp_path("a"));
	ck_assert_int_eq(stat(sealed, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert(!file_has(sealed, VALUE));
	ck_assert(!file_has(sealed, "TOKEN"));
	/* Back as the memfd the shim reads. */
	ck_assert_int_eq(secrets_open_fd(key, jl_tmp_path("a"), ID_A, &fd, NULL), 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_lt(write(fd, "x", 1), 0);
	ck_assert_int_eq(jl_job_secrets_read_fd(fd, &back, NULL), 0);
	close(fd);
	ck_assert_str_eq(back[0], "TOKEN=" VALUE);
	ck_assert_str_eq(back[1], "B=x=y");
	ck_assert_ptr_null(back[2]);
	jl_job_secrets_free(back);
	/* Copied to another job (a run of a recurring job): sealed for its id. */
	ck_assert_int_eq(secrets_copy(key, jl_tmp_path("a"), ID_A, jl_tmp_path("b"), ID_B, NULL),
			 0);
	ck_assert_int_eq(secrets_open_fd(key, jl_tmp_path("b"), ID_B, &fd, NULL), 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	/* Under another job's id: it does not open. */
	ck_assert_int_lt(secrets_open_fd(key, jl_tmp_path("b"), ID_A, &fd, &err), 0);
	ck_assert_int_eq(err->code, JOBLET_E_PARSE);
	joblet_error_clear(&err);
	/* No file: no secrets. */
	ck_assert_int_eq(secrets_open_fd(key, jl_tmp_path("certs"), ID_A, &fd, NULL), 0);
	ck_assert_int_eq(fd, -1);
	/* Under another key: it does not open. */
	free(cfg->tls_key);
	cfg->tls_key = strdup(jl_tmp_path("b/server-key.pem"));
	ck_assert_int_eq(secret_key_load(cfg, &other, NULL, NULL), 0);
	ck_assert_int_lt(secrets_open_fd(other, jl_tmp_path("a"), ID_A, &fd, NULL), 0);
	secret_key_free(other);
	secret_key_free(key);
}
END_TEST

/* One byte changed anywhere: it does not open. */
START_TEST(test_altered)
{
	struct secret_key *key = NULL;
	char *env[] = { (char *)"TOKEN=" VALUE, NULL };
	char sealed[4200];
	struct stat st;
	int fd;

	ck_assert_int_eq(secret_key_load(cfg, &key, NULL, NULL), 0);
	ck_assert_int_eq(secrets_seal(key, jl_tmp_path("certs"), ID_A, env, NULL), 0);
	snprintf(sealed, sizeof(sealed), "%s/" JL_JOB_SECRETS_FILE, jl_tmp_path("certs"));
	ck_assert_int_eq(stat(sealed, &st), 0);
	for (off_t at = 0; at < st.st_size; at++) {
		int w = open(sealed, O_RDWR | O_CLOEXEC), out = -1;
		unsigned char c;

		ck_assert_int_ge(w, 0);
		ck_assert_int_eq(pread(w, &c, 1, at), 1);
		c ^= 1;
		ck_assert_int_eq(pwrite(w, &c, 1, at), 1);
		ck_assert_msg(secrets_open_fd(key, jl_tmp_path("certs"), ID_A, &out, NULL) < 0,
			      "byte %lld changed and it still opens", (long long)at);
		c ^= 1;
		ck_assert_int_eq(pwrite(w, &c, 1, at), 1);
		close(w);
	}
	ck_assert_int_eq(secrets_open_fd(key, jl_tmp_path("certs"), ID_A, &fd, NULL), 0);
	close(fd);
	secret_key_free(key);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("secrets");
	TCase *tc = tcase_create("secrets");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_key_file);
	tcase_add_test(tc, test_seal_and_open);
	tcase_add_test(tc, test_altered);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}

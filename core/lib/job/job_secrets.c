/*
 * job_secrets.c - a job's secret env in memory, from its starter to the
 * shim (see job_secrets.h).
 */
#include <config.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "base/util.h"
#include "job/job_secrets.h"

int jl_job_secrets_pack(char *const *env, uint8_t **ret_buf, size_t *ret_len,
			struct joblet_error **err)
{
	size_t len = 0, at = 0;
	uint8_t *buf;

	*ret_buf = NULL;
	*ret_len = 0;
	for (char *const *e = env; e && *e; e++) {
		len += strlen(*e) + 1;
		if (len > JL_JOB_SECRETS_MAX)
			return joblet_error_set(err, JOBLET_E_LIMIT, 0,
						"the secret env is larger than %zu bytes",
						JL_JOB_SECRETS_MAX);
	}
	if (len == 0)
		return 0;
	buf = malloc(len);
	if (!buf)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot hand over the secret env");
	for (char *const *e = env; e && *e; e++) {
		size_t n = strlen(*e) + 1;

		memcpy(buf + at, *e, n);
		at += n;
	}
	*ret_buf = buf;
	*ret_len = len;
	return 0;
}

void jl_job_secrets_wipe(void *buf, size_t len)
{
	if (!buf)
		return;
	explicit_bzero(buf, len);
	free(buf);
}

int jl_job_secrets_memfd(const uint8_t *buf, size_t len, struct joblet_error **err)
{
	_cleanup_close_ int fd = memfd_create("joblet-secrets", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"cannot hand over the secret env (memfd_create)");
	if (len > 0 && jl_write_all(fd, buf, len) < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot hand over the secret env");
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"cannot seal the secret env's memfd");
	return TAKE_FD(fd);
}

/* Each NUL-ended KEY=VALUE of buf into a new vector; -1 for a malformed list. */
static int unpack(const uint8_t *buf, size_t len, char ***ret_env)
{
	char **env = calloc(1, sizeof(char *));
	size_t at = 0;

	if (!env)
		return -ENOMEM;
	if (len > 0 && buf[len - 1] != '\0')
		goto bad;
	while (at < len) {
		const char *entry = (const char *)buf + at;
		size_t n = strlen(entry);

		if (n == 0 || !strchr(entry, '=') || entry[0] == '=')
			goto bad;
		if (jl_strv_push(&env, entry) < 0) {
			jl_job_secrets_free(env);
			return -ENOMEM;
		}
		at += n + 1;
	}
	*ret_env = env;
	return 0;
bad:
	jl_job_secrets_free(env);
	return -EINVAL;
}

int jl_job_secrets_read_fd(int fd, char ***ret_env, struct joblet_error **err)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t len, got = 0;
	int r;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return joblet_error_set(err, JOBLET_E_IO, errno,
					"cannot read the secret env handed over on fd %d", fd);
	if ((uint64_t)st.st_size > JL_JOB_SECRETS_MAX)
		return joblet_error_set(err, JOBLET_E_LIMIT, 0,
					"the secret env handed over is larger than %zu bytes",
					JL_JOB_SECRETS_MAX);
	len = (size_t)st.st_size;
	if (len > 0 && !(buf = malloc(len)))
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read the secret env");
	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			jl_job_secrets_wipe(buf, len);
			return joblet_error_set(err, JOBLET_E_IO, n < 0 ? errno : EIO,
						"cannot read the secret env handed over on fd %d",
						fd);
		}
		got += (size_t)n;
	}
	r = unpack(buf, len, ret_env);
	jl_job_secrets_wipe(buf, len);
	if (r == -ENOMEM)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read the secret env");
	if (r < 0)
		return joblet_error_set(err, JOBLET_E_PARSE, 0,
					"the secret env handed over is not a list of KEY=VALUE");
	return 0;
}

void jl_job_secrets_free(char **env)
{
	for (char **e = env; e && *e; e++)
		explicit_bzero(*e, strlen(*e));
	jl_strv_free(env);
}

/* job.c - struct joblet_job and what isolation plugins may ask of it. */
#include <config.h>

#include <fcntl.h>
#include <sched.h>

#include <joblet/isolation.h>

#include "job/job_private.h"
#include "base/util.h"
#include "job/job.h"
#include "job/job_secrets.h"
#include "job/job_spec.h"
#include "job/volume_ref.h"

/*
 * The spec's volumes with their host folders: a job that names volumes
 * without the folders the daemon resolved does not start.
 */
static int job_volumes(struct joblet_job *job, struct joblet_error **err)
{
	const struct jl_job_spec *s = job->spec;
	size_t n = jl_strv_length(s->volumes);

	if (n == 0)
		return 0;
	if (jl_strv_length(s->volume_paths) != n)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"the job names %zu volumes but its spec holds the folders of %zu; submit it again through the daemon",
			n, jl_strv_length(s->volume_paths));
	job->volumes = calloc(n, sizeof(*job->volumes));
	if (!job->volumes)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot set up the job");
	for (size_t i = 0; i < n; i++) {
		char name[JL_VOLUME_NAME_MAX + 1];
		int r = jl_volume_ref_parse(s->volumes[i], name, &job->volumes[i].readonly, err);

		if (r < 0)
			return r;
		job->volumes[i].source = s->volume_paths[i];
		if (!(job->volumes[i].name = strdup(name)))
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
						"cannot set up the job");
		job->n_volumes = i + 1;
	}
	return 0;
}

int jl_job_new(struct jl_job_spec *spec, const char *state_dir, struct joblet_job **ret_job,
	       struct joblet_error **err)
{
	struct joblet_job *job = calloc(1, sizeof(*job));
	int r;

	if (!job) {
		jl_job_spec_free(spec);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot set up the job");
	}
	job->spec = spec;
	job->cgroup_fd = -1;
	job->state_dir = strdup(state_dir);
	job->root_dir = jl_strdup_printf("%s/root", state_dir);
	job->work_dir = jl_strdup_printf("%s/work", state_dir);
	if (!job->state_dir || !job->root_dir || !job->work_dir || !spec->id) {
		jl_job_free(job);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot set up the job");
	}
	snprintf(job->short_id, sizeof(job->short_id), "%.8s", spec->id);
	if ((r = job_volumes(job, err)) < 0) {
		jl_job_free(job);
		return r;
	}
	if (spec->runtime_dir) {
		_cleanup_close_ int fd =
			open(spec->runtime_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		r = fd < 0 ? joblet_error_set(err, JOBLET_E_NOT_FOUND, errno, "runtime folder `%s`",
					      spec->runtime_dir)
			   : jl_runtime_yml_load(fd, spec->runtime_dir, &job->runtime, err);
		if (r < 0) {
			jl_job_free(job);
			return r;
		}
	}
	*ret_job = job;
	return 0;
}

int jl_job_open(const char *state_dir, struct joblet_job **ret_job, struct joblet_error **err)
{
	_cleanup_free_ char *path = jl_strdup_printf("%s/spec.json", state_dir);
	_cleanup_free_ char *text = NULL;
	struct jl_job_spec *spec = NULL;
	int r;

	if (!path)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot set up the job");
	r = jl_read_file(path, 4 << 20, &text, NULL, err);
	if (r == 0)
		r = jl_job_spec_from_json(text, &spec, err);
	if (r < 0) {
		jl_job_spec_free(spec);
		return r;
	}
	return jl_job_new(spec, state_dir, ret_job, err);
}

void jl_job_free(struct joblet_job *job)
{
	if (!job)
		return;
	if (job->cgroup_fd >= 0)
		close(job->cgroup_fd);
	jl_runtime_desc_free(job->runtime);
	for (size_t i = 0; i < job->n_volumes; i++)
		free(job->volumes[i].name);
	free(job->volumes);
	jl_job_spec_free(job->spec);
	free(job->state_dir);
	free(job->root_dir);
	free(job->work_dir);
	free(job->cache_dir);
	free(job);
}

int jl_job_set_cache_dir(struct joblet_job *job, const char *dir)
{
	char *copy = dir ? strdup(dir) : NULL;

	if (dir && !copy)
		return -ENOMEM;
	free(job->cache_dir);
	job->cache_dir = copy;
	return 0;
}

/* Does env hold KEY= for the name of entry (KEY=...)? */
static bool env_has_name_of(char *const *env, const char *entry)
{
	size_t klen = strcspn(entry, "=");

	for (; env && *env; env++)
		if (strncmp(*env, entry, klen) == 0 && (*env)[klen] == '=')
			return true;
	return false;
}

int jl_job_set_secret_env(struct joblet_job *job, char **env, struct joblet_error **err)
{
	for (char **e = job->spec->secret_env; e && *e; e++)
		if (!env_has_name_of(env, *e)) {
			int klen = (int)strcspn(*e, "=");

			jl_job_secrets_free(env);
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"secret `%.*s` of the job was not handed over to its supervisor",
				klen, *e);
		}
	jl_job_secrets_free(job->spec->secret_env);
	job->spec->secret_env = env;
	return 0;
}

int jl_job_check_secrets(const struct joblet_job *job, struct joblet_error **err)
{
	for (char **e = job->spec->secret_env; e && *e; e++) {
		const char *eq = strchr(*e, '=');

		if (eq && strcmp(eq + 1, JL_JOB_SECRET_MASK) == 0)
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"the value of secret `%.*s` was not handed over to the job's supervisor (its encrypted copy is gone or unreadable); submit the job again",
				(int)(eq - *e), *e);
	}
	return 0;
}

void jl_job_set_user(struct joblet_job *job, uint32_t uid, uint32_t gid)
{
	job->spec->uid = uid;
	job->spec->gid = gid;
}

const struct jl_job_spec *jl_job_get_spec(const struct joblet_job *job)
{
	return job->spec;
}

char *const *jl_job_runtime_env(const struct joblet_job *job)
{
	return job->runtime ? job->runtime->env : NULL;
}

uint64_t jl_job_clone_flags(const struct joblet_job *job)
{
	return job->clone_flags;
}

int jl_job_cgroup_fd(const struct joblet_job *job)
{
	return job->cgroup_fd;
}

void jl_job_set_cloned_into_cgroup(struct joblet_job *job)
{
	job->cloned_into_cgroup = true;
}

const char *joblet_job_cache_dir(const struct joblet_job *job)
{
	return job->cache_dir;
}

const char *joblet_job_id(const struct joblet_job *job)
{
	return job->spec->id;
}

const char *joblet_job_short_id(const struct joblet_job *job)
{
	return job->short_id;
}

const char *joblet_job_root_dir(const struct joblet_job *job)
{
	return job->root_dir;
}

const char *joblet_job_work_dir(const struct joblet_job *job)
{
	return job->work_dir;
}

int64_t joblet_job_limit(const struct joblet_job *job, int32_t which)
{
	switch (which) {
	case JOBLET_LIMIT_CPU_PERCENT:
		return job->spec->max_cpu;
	case JOBLET_LIMIT_MEMORY_MIB:
		return job->spec->max_memory_mib;
	case JOBLET_LIMIT_IO_BPS:
		return job->spec->max_iobps;
	case JOBLET_LIMIT_PIDS:
		return job->spec->max_pids;
	case JOBLET_LIMIT_TIMEOUT_S:
		return job->spec->timeout_s;
	case JOBLET_LIMIT_DISK_MIB:
		return job->spec->max_disk_mib > 0 ? job->spec->max_disk_mib : 0;
	default:
		return 0;
	}
}

const char *joblet_job_cpus(const struct joblet_job *job)
{
	return job->spec->cpu_cores;
}

uint32_t joblet_job_uid(const struct joblet_job *job)
{
	return (uint32_t)job->spec->uid;
}

uint32_t joblet_job_gid(const struct joblet_job *job)
{
	return (uint32_t)job->spec->gid;
}

int32_t joblet_job_network(const struct joblet_job *job)
{
	if (job->spec->net)
		return JOBLET_NETWORK_BRIDGE;
	return job->spec->network ? job->spec->network : JOBLET_NETWORK_NONE;
}

const struct joblet_job_net *joblet_job_net(const struct joblet_job *job)
{
	return job->spec->net ? &job->spec->net->view : NULL;
}

const char *joblet_job_workdir(const struct joblet_job *job)
{
	return job->spec->workdir ? job->spec->workdir : "/work";
}

const char *joblet_job_runtime_dir(const struct joblet_job *job)
{
	return job->spec->runtime_dir;
}

size_t joblet_job_runtime_mount_count(const struct joblet_job *job)
{
	return job->runtime ? job->runtime->n_mounts : 0;
}

int joblet_job_runtime_mount(const struct joblet_job *job, size_t i, const char **ret_source,
			     const char **ret_target, int32_t *ret_readonly)
{
	if (!job->runtime || i >= job->runtime->n_mounts)
		return -1;
	*ret_source = job->runtime->mounts[i].source;
	*ret_target = job->runtime->mounts[i].target;
	*ret_readonly = job->runtime->mounts[i].readonly;
	return 0;
}

size_t joblet_job_volume_count(const struct joblet_job *job)
{
	return job->n_volumes;
}

int joblet_job_volume(const struct joblet_job *job, size_t i, const char **ret_name,
		      const char **ret_source, int32_t *ret_readonly)
{
	if (i >= job->n_volumes)
		return -1;
	*ret_name = job->volumes[i].name;
	*ret_source = job->volumes[i].source;
	*ret_readonly = job->volumes[i].readonly;
	return 0;
}

void joblet_job_request_clone_flags(struct joblet_job *job, uint64_t flags)
{
	job->clone_flags |= flags;
}

void joblet_job_set_cgroup_fd(struct joblet_job *job, int fd)
{
	if (job->cgroup_fd >= 0)
		close(job->cgroup_fd);
	job->cgroup_fd = fd;
}

void joblet_job_place_in_child(struct joblet_job *job)
{
	job->places_in_child = true;
}

int jl_job_cgroup_ns_begin(struct joblet_job *job, struct joblet_error **err)
{
	job->cgroup_ns_pending = (job->clone_flags & CLONE_NEWCGROUP) != 0;
	return job->places_in_child ? 0 : jl_job_make_cgroup_ns(job, err);
}

int jl_job_make_cgroup_ns(struct joblet_job *job, struct joblet_error **err)
{
	if (!job->cgroup_ns_pending)
		return 0;
	job->cgroup_ns_pending = false;
	if (unshare(CLONE_NEWCGROUP) < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"cannot create the job's cgroup namespace");
	return 0;
}

int joblet_job_child_placed(struct joblet_job *job, struct joblet_error **err)
{
	return jl_job_make_cgroup_ns(job, err);
}

int joblet_job_cloned_into_cgroup(const struct joblet_job *job)
{
	return job->cloned_into_cgroup;
}

/*
 * uid_range.c - isolation.uid_range: the host uids (and gids) jobs run as,
 * one of its own per running job (joblet-shim takes it).  A uid of the
 * range must be nobody else's: no account or group of the host, no
 * subordinate id a user's containers run as, never 0.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "config/config.h"

int jl_uid_range_parse(const char *s, int64_t *ret_first, int64_t *ret_last)
{
	_cleanup_free_ char *copy = s ? strdup(s) : NULL;
	char *dash = copy ? strchr(copy, '-') : NULL;
	int64_t first, last;

	if (!dash)
		return -EINVAL;
	*dash = '\0';
	if (jl_parse_int64(copy, &first) < 0 || jl_parse_int64(dash + 1, &last) < 0 || first < 1 ||
	    last > JL_UID_MAX || first > last)
		return -EINVAL;
	*ret_first = first;
	*ret_last = last;
	return 0;
}

/* The first line of a passwd or group file whose field 3 (the id) is in the range, or 0. */
static int64_t id_file_overlap(FILE *f, int64_t first, int64_t last, char *name, size_t size)
{
	char line[4096];

	while (fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		char *end;
		long long id;

		if (!c2 || line[0] == '#')
			continue;
		errno = 0;
		id = strtoll(c2 + 1, &end, 10);
		if (errno || end == c2 + 1 || *end != ':' || id < first || id > last)
			continue;
		snprintf(name, size, "%.*s", (int)(c1 - line), line);
		return id;
	}
	return 0;
}

/* A subordinate-id file (NAME:START:COUNT): a block that meets the range, or 0. */
static int64_t subid_file_overlap(FILE *f, int64_t first, int64_t last, char *name, size_t size)
{
	char line[4096];

	while (fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *end;
		long long start, count;

		if (!c1 || line[0] == '#')
			continue;
		errno = 0;
		start = strtoll(c1 + 1, &end, 10);
		if (errno || *end != ':')
			continue;
		count = strtoll(end + 1, &end, 10);
		if (errno || count < 1 || start > last || start + count - 1 < first)
			continue;
		snprintf(name, size, "%.*s", (int)(c1 - line), line);
		return start < first ? first : start;
	}
	return 0;
}

static bool id_in(int64_t id, int64_t first, int64_t last)
{
	return id >= first && id <= last;
}

/*
 * volumes.owner_id owns every file of every volume on disk: no account,
 * group, job (isolation.uid_range) or container (oci.uid_range) may have it,
 * or that one would own the volumes' files too.
 */
static int check_volumes_owner(const struct jl_config *cfg, const char *src, const char *etc_dir,
			       struct joblet_error **err)
{
	static const char *const files[] = { "passwd", "group" };
	int64_t id = cfg->volumes_owner_id;

	if (id < 1 || id > JL_UID_MAX || id_in(id, cfg->uid_first, cfg->uid_last) ||
	    id_in(id, cfg->oci_uid_first, cfg->oci_uid_last) || id == 65534)
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"%s: volumes.owner_id %lld must be a uid from 1 to 4294967294 outside isolation.uid_range (%lld-%lld) and oci.uid_range (%lld-%lld), and not 65534 (nobody): it owns the files of every volume; choose an id no one else has",
			src, (long long)id, (long long)cfg->uid_first, (long long)cfg->uid_last,
			(long long)cfg->oci_uid_first, (long long)cfg->oci_uid_last);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		_cleanup_free_ char *path = jl_strdup_printf("%s/%s", etc_dir, files[i]);
		FILE *f = path ? fopen(path, "re") : NULL;
		char name[256] = "";
		int64_t hit;

		if (!f)
			continue;
		hit = id_file_overlap(f, id, id, name, sizeof(name));
		fclose(f);
		if (hit > 0)
			return joblet_error_set(
				err, JOBLET_E_CONFIG, 0,
				"%s: volumes.owner_id %lld is the id of `%s` in %s: that account would own the files of every volume; choose an id no account or group has",
				src, (long long)id, name, path);
	}
	return 0;
}

int jl_config_check_uid_range(const struct jl_config *cfg, const char *etc_dir,
			      struct joblet_error **err)
{
	static const char *const files[] = { "passwd", "group", "subuid", "subgid" };
	const char *src = cfg->source ? cfg->source : "the built-in configuration";
	int r;

	if (cfg->uid_first < 1 || cfg->uid_last > JL_UID_MAX || cfg->uid_first > cfg->uid_last)
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"%s: isolation.uid_range %lld-%lld is not a range of uids from 1 to 4294967294",
			src, (long long)cfg->uid_first, (long long)cfg->uid_last);
	if (cfg->max_running_jobs > 0 && cfg->max_running_jobs > cfg->uid_last - cfg->uid_first + 1)
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"%s: scheduler.max_running_jobs (%lld) is more than the %lld uids of isolation.uid_range (%lld-%lld): each running job needs one; widen the range or lower the limit",
			src, (long long)cfg->max_running_jobs,
			(long long)(cfg->uid_last - cfg->uid_first + 1), (long long)cfg->uid_first,
			(long long)cfg->uid_last);
	if ((r = check_volumes_owner(cfg, src, etc_dir, err)) < 0)
		return r;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		_cleanup_free_ char *path = jl_strdup_printf("%s/%s", etc_dir, files[i]);
		FILE *f = path ? fopen(path, "re") : NULL;
		char name[256] = "";
		int64_t id;

		/* A file the host does not have holds no one. */
		if (!f)
			continue;
		id = i < 2 ? id_file_overlap(f, cfg->uid_first, cfg->uid_last, name, sizeof(name))
			   : subid_file_overlap(f, cfg->uid_first, cfg->uid_last, name,
						sizeof(name));
		fclose(f);
		if (id > 0)
			return joblet_error_set(
				err, JOBLET_E_CONFIG, 0,
				"%s: isolation.uid_range %lld-%lld holds %lld, which `%s` in %s already uses; jobs must share their uid with no one: choose a range no account, group or subordinate id of this host uses",
				src, (long long)cfg->uid_first, (long long)cfg->uid_last,
				(long long)id, name, path);
	}
	return 0;
}

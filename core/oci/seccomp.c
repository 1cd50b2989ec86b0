/*
 * oci/seccomp.c - config.json's linux.seccomp, built with libseccomp in the
 * caller and loaded in the container's process on top of joblet's floor
 * (floor.c).  The kernel runs every filter a process has and takes the
 * strictest answer, so a bundle's profile can only narrow what the floor
 * allows, never widen it.
 */
#include <config.h>

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <seccomp.h>

#include "base/cleanup.h"
#include "oci/oci.h"

#ifndef SECCOMP_FILTER_FLAG_LOG
#define SECCOMP_FILTER_FLAG_LOG (1UL << 1)
#endif
#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif

struct oci_seccomp {
	struct sock_filter *insns; /* owned */
	size_t len;
	unsigned long flags; /* seccomp(2) flags */
	size_t unknown;	     /* syscall names this libseccomp does not know (skipped) */
};

/* ------------------------------------------------------------------ names */

static const struct {
	const char *name;
	uint32_t action; /* SCMP_ACT_ERRNO(0) / SCMP_ACT_TRACE(0): errnoRet goes in later */
} actions[] = {
	{ "SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD },
	{ "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
	{ "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
	{ "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
	{ "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0) },
	{ "SCMP_ACT_TRACE", SCMP_ACT_TRACE(0) },
	{ "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW },
	{ "SCMP_ACT_LOG", SCMP_ACT_LOG },
};

static const struct {
	const char *name;
	unsigned long flag;
} filter_flags[] = {
	{ "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
	{ "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
	{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
	{ "SECCOMP_FILTER_FLAG_TSYNC_ESRCH", SECCOMP_FILTER_FLAG_TSYNC_ESRCH },
};

static const struct {
	const char *name;
	enum scmp_compare op;
} compare_ops[] = {
	{ "SCMP_CMP_NE", SCMP_CMP_NE },
	{ "SCMP_CMP_LT", SCMP_CMP_LT },
	{ "SCMP_CMP_LE", SCMP_CMP_LE },
	{ "SCMP_CMP_EQ", SCMP_CMP_EQ },
	{ "SCMP_CMP_GE", SCMP_CMP_GE },
	{ "SCMP_CMP_GT", SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

/*
 * The action named by o[key] (a string), with errnoRet from o[ret_key]
 * (default EPERM, as runc) for SCMP_ACT_ERRNO and SCMP_ACT_TRACE.
 */
static int get_action(json_object *o, const char *key, const char *ret_key, const char *path,
		      uint32_t *ret, struct joblet_error **err)
{
	json_object *v;
	const char *name;
	uint64_t code = EPERM;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"config.json: %s.%s: is required (SCMP_ACT_ERRNO, SCMP_ACT_ALLOW, ...)",
			path, key);
	name = json_object_get_string(v);
	if (strcmp(name, "SCMP_ACT_NOTIFY") == 0)
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"config.json: %s.%s: SCMP_ACT_NOTIFY is not supported (joblet-oci runs no seccomp agent)",
			path, key);
	for (size_t i = 0; i < ELEMENTSOF(actions); i++) {
		if (strcmp(name, actions[i].name) != 0)
			continue;
		*ret = actions[i].action;
		if (*ret != SCMP_ACT_ERRNO(0) && *ret != SCMP_ACT_TRACE(0))
			return 0;
		if (json_object_object_get_ex(o, ret_key, &v) && v) {
			char p[256];
			int r;

			snprintf(p, sizeof(p), "%s.%s", path, ret_key);
			if ((r = oci_json_uint(v, p, 0xffff, &code, err)) < 0)
				return r;
		}
		*ret = *ret == SCMP_ACT_ERRNO(0) ? SCMP_ACT_ERRNO((uint16_t)code)
						 : SCMP_ACT_TRACE((uint16_t)code);
		return 0;
	}
	return joblet_error_set(err, JOBLET_E_INVALID, 0, "config.json: %s.%s: unknown action `%s`",
				path, key, name);
}

/* ------------------------------------------------------------------ building */

static int add_architectures(scmp_filter_ctx ctx, json_object *seccomp, struct joblet_error **err)
{
	json_object *v;
	size_t n;

	if (!json_object_object_get_ex(seccomp, "architectures", &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"config.json: linux.seccomp.architectures: must be an array of SCMP_ARCH_* names");
	n = json_object_array_length(v);
	for (size_t i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(v, i);
		const char *name = json_object_get_string(s);
		char lower[32];
		uint32_t arch = 0;
		int r;

		if (json_object_is_type(s, json_type_string) &&
		    strncmp(name, "SCMP_ARCH_", 10) == 0 && strlen(name + 10) < sizeof(lower)) {
			size_t k;

			for (k = 0; name[10 + k]; k++)
				lower[k] = (char)(name[10 + k] >= 'A' && name[10 + k] <= 'Z'
							  ? name[10 + k] - 'A' + 'a'
							  : name[10 + k]);
			lower[k] = '\0';
			arch = seccomp_arch_resolve_name(lower);
		}
		if (arch == 0)
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"config.json: linux.seccomp.architectures[%zu]: unknown architecture `%s`",
				i, name ? name : "null");
		r = seccomp_arch_add(ctx, arch);
		if (r < 0 && r != -EEXIST)
			return joblet_error_set(
				err, JOBLET_E_INVALID, -r,
				"config.json: linux.seccomp.architectures[%zu]: cannot add `%s`", i,
				name);
	}
	return 0;
}

static int parse_flags(json_object *seccomp, unsigned long *ret, struct joblet_error **err)
{
	json_object *v;
	size_t n;

	*ret = 0;
	if (!json_object_object_get_ex(seccomp, "flags", &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"config.json: linux.seccomp.flags: must be an array of SECCOMP_FILTER_FLAG_* names");
	n = json_object_array_length(v);
	for (size_t i = 0; i < n; i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(v, i));
		bool found = false;

		for (size_t k = 0; name && k < ELEMENTSOF(filter_flags); k++)
			if (strcmp(name, filter_flags[k].name) == 0) {
				*ret |= filter_flags[k].flag;
				found = true;
			}
		if (!found)
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"config.json: linux.seccomp.flags[%zu]: unknown or unsupported flag `%s` (SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW)",
				i, name ? name : "null");
	}
	return 0;
}

/* syscalls[i].args into cmp[*ret_n]. */
static int parse_args(json_object *rule, size_t i, struct scmp_arg_cmp *cmp, unsigned *ret_n,
		      struct joblet_error **err)
{
	json_object *args, *v;
	size_t n;

	*ret_n = 0;
	if (!json_object_object_get_ex(rule, "args", &args) || !args)
		return 0;
	if (!json_object_is_type(args, json_type_array) || json_object_array_length(args) > 6)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"config.json: linux.seccomp.syscalls[%zu].args: must be an array of at most 6 conditions",
			i);
	n = json_object_array_length(args);
	for (size_t a = 0; a < n; a++) {
		json_object *c = json_object_array_get_idx(args, a);
		char path[96], fp[112];
		uint64_t idx, val = 0, val2 = 0;
		const char *op = NULL;
		int r = 0;

		snprintf(path, sizeof(path), "linux.seccomp.syscalls[%zu].args[%zu]", i, a);
		if (!json_object_is_type(c, json_type_object) ||
		    !json_object_object_get_ex(c, "index", &v))
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"config.json: %s: must be an object with index, value, op", path);
		snprintf(fp, sizeof(fp), "%s.index", path);
		if ((r = oci_json_uint(v, fp, 5, &idx, err)) < 0)
			return r;
		snprintf(fp, sizeof(fp), "%s.value", path);
		if (json_object_object_get_ex(c, "value", &v) && v &&
		    (r = oci_json_uint(v, fp, UINT64_MAX, &val, err)) < 0)
			return r;
		snprintf(fp, sizeof(fp), "%s.valueTwo", path);
		if (json_object_object_get_ex(c, "valueTwo", &v) && v &&
		    (r = oci_json_uint(v, fp, UINT64_MAX, &val2, err)) < 0)
			return r;
		if (json_object_object_get_ex(c, "op", &v) &&
		    json_object_is_type(v, json_type_string))
			op = json_object_get_string(v);
		cmp[a] = (struct scmp_arg_cmp){ (unsigned)idx, 0, val, val2 };
		for (size_t k = 0; op && k < ELEMENTSOF(compare_ops); k++)
			if (strcmp(op, compare_ops[k].name) == 0)
				cmp[a].op = compare_ops[k].op;
		if (cmp[a].op == 0)
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"config.json: %s.op: unknown comparison `%s` (SCMP_CMP_EQ, SCMP_CMP_MASKED_EQ, ...)",
				path, op ? op : "null");
	}
	*ret_n = (unsigned)n;
	return 0;
}

/* Two conditions on one argument: libseccomp takes them only as separate rules (OR), like runc. */
static bool args_repeat_index(const struct scmp_arg_cmp *cmp, unsigned n)
{
	for (unsigned a = 0; a < n; a++)
		for (unsigned b = a + 1; b < n; b++)
			if (cmp[a].arg == cmp[b].arg)
				return true;
	return false;
}

static int add_rule_for(scmp_filter_ctx ctx, uint32_t action, int nr,
			const struct scmp_arg_cmp *cmp, unsigned n)
{
	if (!args_repeat_index(cmp, n))
		return seccomp_rule_add_array(ctx, action, nr, n, cmp);
	for (unsigned a = 0; a < n; a++) {
		int r = seccomp_rule_add_array(ctx, action, nr, 1, &cmp[a]);

		if (r < 0)
			return r;
	}
	return 0;
}

static int add_rule(scmp_filter_ctx ctx, uint32_t def, json_object *rule, size_t i, size_t *unknown,
		    struct joblet_error **err)
{
	struct scmp_arg_cmp cmp[6];
	json_object *names;
	uint32_t action;
	unsigned n_args;
	char path[64];
	size_t n;
	int r;

	snprintf(path, sizeof(path), "linux.seccomp.syscalls[%zu]", i);
	if (!json_object_is_type(rule, json_type_object))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"config.json: %s: must be an object", path);
	if ((r = get_action(rule, "action", "errnoRet", path, &action, err)) < 0)
		return r;
	if ((r = parse_args(rule, i, cmp, &n_args, err)) < 0)
		return r;
	if (!json_object_object_get_ex(rule, "names", &names) ||
	    !json_object_is_type(names, json_type_array) || json_object_array_length(names) == 0)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"config.json: %s.names: must be a non-empty array of system-call names",
			path);
	/* A rule that repeats the default action changes nothing (libseccomp refuses it). */
	if (action == def)
		return 0;
	n = json_object_array_length(names);
	for (size_t k = 0; k < n; k++) {
		json_object *s = json_object_array_get_idx(names, k);
		const char *name = json_object_get_string(s);
		int nr;

		if (!json_object_is_type(s, json_type_string))
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"config.json: %s.names[%zu]: must be a string",
						path, k);
		/* A profile lists calls newer than this kernel or libseccomp: skipped, as runc
		 * does. */
		nr = seccomp_syscall_resolve_name(name);
		if (nr == __NR_SCMP_ERROR) {
			(*unknown)++;
			continue;
		}
		r = add_rule_for(ctx, action, nr, cmp, n_args);
		if (r < 0)
			return joblet_error_set(err, JOBLET_E_INVALID, -r,
						"config.json: %s: cannot add the rule for `%s`",
						path, name);
	}
	return 0;
}

/* The generated BPF program, through a memfd (libseccomp writes it to an fd). */
static int export_bpf(scmp_filter_ctx ctx, struct oci_seccomp *sc, struct joblet_error **err)
{
	_cleanup_close_ int fd = memfd_create("joblet-oci-seccomp", MFD_CLOEXEC);
	struct stat st;
	int r;

	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"cannot make a memfd for the filter");
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return joblet_error_set(err, JOBLET_E_INVALID, -r,
					"config.json: linux.seccomp: cannot generate the filter");
	if (fstat(fd, &st) < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"cannot read the generated filter");
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0 ||
	    (size_t)st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return joblet_error_set(
			err, JOBLET_E_LIMIT, 0,
			"config.json: linux.seccomp: the filter has %lld bytes; the kernel takes at most %d instructions",
			(long long)st.st_size, BPF_MAXINSNS);
	sc->len = (size_t)st.st_size / sizeof(struct sock_filter);
	sc->insns = malloc((size_t)st.st_size);
	if (!sc->insns)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	if (pread(fd, sc->insns, (size_t)st.st_size, 0) != st.st_size)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"cannot read the generated filter");
	return 0;
}

static int build(json_object *seccomp, struct oci_seccomp *sc, struct joblet_error **err)
{
	scmp_filter_ctx ctx;
	json_object *rules;
	uint32_t def;
	int r;

	r = get_action(seccomp, "defaultAction", "defaultErrnoRet", "linux.seccomp", &def, err);
	if (r < 0)
		return r;
	ctx = seccomp_init(def);
	if (!ctx)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"config.json: linux.seccomp.defaultAction: libseccomp refused it");
	/*
	 * Calls of an architecture the profile does not list fail with ENOSYS,
	 * as the floor does for every ABI but the native one.
	 */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ERRNO(ENOSYS));
	if (r < 0)
		r = joblet_error_set(err, JOBLET_E_INTERNAL, -r,
				     "cannot set the filter's bad-arch action");
	if (r == 0)
		r = add_architectures(ctx, seccomp, err);
	if (r == 0 && json_object_object_get_ex(seccomp, "syscalls", &rules) && rules) {
		if (!json_object_is_type(rules, json_type_array))
			r = joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"config.json: linux.seccomp.syscalls: must be an array of rules");
		for (size_t i = 0; r == 0 && i < json_object_array_length(rules); i++)
			r = add_rule(ctx, def, json_object_array_get_idx(rules, i), i, &sc->unknown,
				     err);
	}
	if (r == 0)
		r = export_bpf(ctx, sc, err);
	seccomp_release(ctx);
	return r;
}

int oci_seccomp_parse(json_object *seccomp, struct oci_seccomp **ret, struct joblet_error **err)
{
	struct oci_seccomp *sc;
	json_object *v;
	int r;

	*ret = NULL;
	if (!seccomp)
		return 0;
	if (!json_object_is_type(seccomp, json_type_object))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"config.json: linux.seccomp: must be an object");
	if (json_object_object_get_ex(seccomp, "listenerPath", &v) && v &&
	    json_object_get_string_len(v) > 0)
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"config.json: linux.seccomp.listenerPath: user notification (a seccomp agent) is not supported; remove it");
	sc = calloc(1, sizeof(*sc));
	if (!sc)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	r = parse_flags(seccomp, &sc->flags, err);
	if (r == 0)
		r = build(seccomp, sc, err);
	if (r < 0) {
		oci_seccomp_free(sc);
		return r;
	}
	*ret = sc;
	return 0;
}

size_t oci_seccomp_unknown_count(const struct oci_seccomp *sc)
{
	return sc ? sc->unknown : 0;
}

int oci_seccomp_load(const struct oci_seccomp *sc, struct joblet_error **err)
{
	struct sock_fprog prog = { (unsigned short)sc->len, sc->insns };

	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, sc->flags, &prog) != 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"cannot load linux.seccomp's filter");
	return 0;
}

void oci_seccomp_free(struct oci_seccomp *sc)
{
	if (!sc)
		return;
	free(sc->insns);
	free(sc);
}

/*
 * host.c - probing what this host offers for isolation (joblet_host_*).
 *
 * Reads /proc/self/mountinfo, the cgroup filesystems and /proc/self/ns; as
 * root it also tries unshare() for each namespace type in a throwaway child
 * (the child exits at once, so nothing on the host changes).  Syscalls that
 * may be missing are probed with arguments that fail harmlessly: ENOSYS
 * means absent, any other error means present.
 */
#include <config.h>

#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "config/host.h"

#include "base/util.h"

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
	uint32_t bit;
	const char *name;
	int clone_flag;
} namespaces[] = {
	{ JL_NS_MNT, "mnt", CLONE_NEWNS },     { JL_NS_UTS, "uts", CLONE_NEWUTS },
	{ JL_NS_IPC, "ipc", CLONE_NEWIPC },    { JL_NS_NET, "net", CLONE_NEWNET },
	{ JL_NS_PID, "pid", CLONE_NEWPID },    { JL_NS_CGROUP, "cgroup", CLONE_NEWCGROUP },
	{ JL_NS_USER, "user", CLONE_NEWUSER }, { JL_NS_TIME, "time", CLONE_NEWTIME },
};

const char *jl_host_ns_name(uint32_t ns_bit)
{
	for (size_t i = 0; i < ELEMENTSOF(namespaces); i++)
		if (namespaces[i].bit == ns_bit)
			return namespaces[i].name;
	return NULL;
}

const char *jl_host_cgroup_mode_name(int32_t mode)
{
	switch (mode) {
	case JL_CGROUP_NONE:
		return "none";
	case JL_CGROUP_V1:
		return "v1";
	case JL_CGROUP_HYBRID:
		return "hybrid";
	case JL_CGROUP_V2:
		return "v2";
	default:
		return "unknown";
	}
}

void jl_host_info_free(struct jl_host_info *info)
{
	if (!info)
		return;
	free(info->kernel_release);
	free(info->machine);
	free(info->cgroup2_mount);
	jl_strv_free(info->cgroup2_controllers);
	jl_strv_free(info->cgroup1_controllers);
	free(info);
}

/* Split a space-separated list into v (appending). */
static int push_words(char ***v, const char *s, const char *sep)
{
	_cleanup_free_ char *copy = strdup(s);
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *w = strtok_r(copy, sep, &save); w; w = strtok_r(NULL, sep, &save))
		if (!jl_strv_contains(*v, w) && jl_strv_push(v, w) < 0)
			return -ENOMEM;
	return 0;
}

/*
 * Walk /proc/self/mountinfo: the cgroup2 mount and the controllers of
 * every v1 mount ("cpu,cpuacct" super options).
 */
static int probe_cgroups(struct jl_host_info *info)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	_cleanup_free_ char *line = NULL;
	bool root_is_v2 = false, have_v1 = false;
	size_t cap = 0;

	if (!info->cgroup1_controllers && !(info->cgroup1_controllers = calloc(1, sizeof(char *))))
		return -ENOMEM;
	if (!info->cgroup2_controllers && !(info->cgroup2_controllers = calloc(1, sizeof(char *))))
		return -ENOMEM;
	if (!f) {
		info->cgroup_mode = JL_CGROUP_NONE;
		return 0;
	}
	while (getline(&line, &cap, f) > 0) {
		/* id parent maj:min root mountpoint opts [optional...] - fstype source superopts */
		char *fields[5] = { NULL }, *save = NULL, *dash, *fstype, *superopts, *src;
		size_t n = 0;

		dash = strstr(line, " - ");
		if (!dash)
			continue;
		*dash = '\0';
		for (char *w = strtok_r(line, " ", &save); w && n < 5;
		     w = strtok_r(NULL, " ", &save))
			fields[n++] = w;
		if (n < 5)
			continue;
		save = NULL;
		fstype = strtok_r(dash + 3, " \n", &save);
		src = strtok_r(NULL, " \n", &save);
		superopts = strtok_r(NULL, " \n", &save);
		(void)src;
		if (!fstype)
			continue;
		if (strcmp(fstype, "cgroup2") == 0) {
			if (strcmp(fields[4], "/sys/fs/cgroup") == 0)
				root_is_v2 = true;
			if (!info->cgroup2_mount || root_is_v2) {
				free(info->cgroup2_mount);
				info->cgroup2_mount = strdup(fields[4]);
				if (!info->cgroup2_mount)
					return -ENOMEM;
			}
		} else if (strcmp(fstype, "cgroup") == 0 && superopts) {
			_cleanup_free_ char *opts = strdup(superopts);
			char *s2 = NULL;

			if (!opts)
				return -ENOMEM;
			have_v1 = true;
			for (char *o = strtok_r(opts, ",", &s2); o; o = strtok_r(NULL, ",", &s2)) {
				if (jl_startswith(o, "name=") || strchr(o, '=') ||
				    strcmp(o, "rw") == 0 || strcmp(o, "ro") == 0 ||
				    strcmp(o, "noprefix") == 0 ||
				    strcmp(o, "clone_children") == 0 || strcmp(o, "xattr") == 0 ||
				    strcmp(o, "cpuset_v2_mode") == 0)
					continue;
				if (!jl_strv_contains(info->cgroup1_controllers, o) &&
				    jl_strv_push(&info->cgroup1_controllers, o) < 0)
					return -ENOMEM;
			}
		}
	}
	if (info->cgroup2_mount) {
		_cleanup_free_ char *path =
			jl_strdup_printf("%s/cgroup.controllers", info->cgroup2_mount);
		_cleanup_free_ char *ctl = path ? jl_read_line_file(path) : NULL;

		if (ctl && push_words(&info->cgroup2_controllers, ctl, " ") < 0)
			return -ENOMEM;
	}
	if (root_is_v2)
		info->cgroup_mode = JL_CGROUP_V2;
	else if (have_v1 && info->cgroup2_mount)
		info->cgroup_mode = JL_CGROUP_HYBRID;
	else if (have_v1)
		info->cgroup_mode = JL_CGROUP_V1;
	else if (info->cgroup2_mount)
		info->cgroup_mode = JL_CGROUP_V2;
	else
		info->cgroup_mode = JL_CGROUP_NONE;
	return 0;
}

/* Try unshare(flag) in a child that exits at once. */
static bool ns_usable(int clone_flag)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return false;
	if (pid == 0)
		_exit(unshare(clone_flag) == 0 ? 0 : 1);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static bool syscall_present(long nr, long a1, long a2, long a3, long a4)
{
	long r = syscall(nr, a1, a2, a3, a4);

	if (r >= 0) {
		/* Only the probes below can succeed, and only by returning an fd. */
		close((int)r);
		return true;
	}
	return errno != ENOSYS;
}

static uint32_t probe_features(void)
{
	uint32_t f = 0;

#ifdef SYS_openat2
	/* An invalid `how` size: EINVAL/E2BIG when present. */
	if (syscall_present(SYS_openat2, AT_FDCWD, (long)"/", 0, 0))
		f |= JL_FEATURE_OPENAT2;
#endif
#ifdef SYS_clone3
	/* A NULL args pointer with size 0: EINVAL when present, never a child. */
	if (syscall_present(SYS_clone3, 0, 0, 0, 0))
		f |= JL_FEATURE_CLONE3;
#endif
#ifdef SYS_pidfd_open
	/* Our own pid: returns a pidfd (closed) when present. */
	if (syscall_present(SYS_pidfd_open, getpid(), 0, 0, 0))
		f |= JL_FEATURE_PIDFD;
#endif
#ifdef SYS_close_range
	/* An empty range (first > last): EINVAL when present. */
	if (syscall_present(SYS_close_range, 2, 1, 0, 0))
		f |= JL_FEATURE_CLOSE_RANGE;
#endif
	/* PR_GET_SECCOMP answers when the kernel has seccomp; filters need CONFIG_SECCOMP_FILTER.
	 */
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 &&
	    access("/proc/sys/kernel/seccomp/actions_avail", R_OK) == 0)
		f |= JL_FEATURE_SECCOMP_FILTER;
	return f;
}

int jl_host_probe(struct jl_host_info **ret_info, struct joblet_error **err)
{
	struct jl_host_info *info = calloc(1, sizeof(*info));
	struct utsname u;

	if (!info)
		goto oom;
	if (uname(&u) == 0) {
		info->kernel_release = strdup(u.release);
		info->machine = strdup(u.machine);
		if (!info->kernel_release || !info->machine)
			goto oom;
	}
	info->privileged = jl_privileged();
	if (probe_cgroups(info) < 0)
		goto oom;
	for (size_t i = 0; i < ELEMENTSOF(namespaces); i++) {
		_cleanup_free_ char *p = jl_strdup_printf(
			"/proc/self/ns/%s",
			namespaces[i].bit == JL_NS_PID ? "pid" : namespaces[i].name);
		if (!p)
			goto oom;
		if (access(p, F_OK) == 0)
			info->ns_present |= namespaces[i].bit;
	}
	if (info->privileged) {
		info->ns_tested = 1;
		for (size_t i = 0; i < ELEMENTSOF(namespaces); i++)
			if ((info->ns_present & namespaces[i].bit) &&
			    ns_usable(namespaces[i].clone_flag))
				info->ns_usable |= namespaces[i].bit;
	}
	info->features = probe_features();
	*ret_info = info;
	return 0;
oom:
	jl_host_info_free(info);
	return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot probe the host");
}

/*
 * oci/describe.c - `features` (what this runtime supports, the runtime
 * spec's features.md document) and `spec` (a default config.json).
 *
 * The default config.json is what joblet-oci runs unchanged: the
 * namespaces its floor asks for, Docker's 14 capabilities (granted inside
 * the user namespace joblet-oci adds), the usual mounts, masked and
 * read-only paths, and `sh` on a terminal, as `runc spec` writes.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <joblet/version.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "oci/oci.h"

static json_object *strings(const char *const *v)
{
	json_object *a = json_object_new_array();

	for (; a && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

static json_object *caps_json(uint64_t mask)
{
	json_object *a = json_object_new_array();

	for (int c = 0; a && c < 64; c++)
		if ((mask & (UINT64_C(1) << c)) && oci_cap_name(c))
			json_object_array_add(a, json_object_new_string(oci_cap_name(c)));
	return a;
}

static json_object *features_linux(void)
{
	static const char *const namespaces[] = { "cgroup", "ipc",  "mount", "network",
						  "pid",    "user", "uts",   NULL };
	static const char *const actions[] = {
		"SCMP_ACT_ALLOW",	 "SCMP_ACT_ERRNO",	 "SCMP_ACT_KILL",
		"SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
		"SCMP_ACT_TRACE",	 "SCMP_ACT_TRAP",	 NULL
	};
	static const char *const operators[] = { "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
						 "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ",
						 "SCMP_CMP_NE", NULL };
	static const char *const archs[] = { "SCMP_ARCH_X86_64",  "SCMP_ARCH_X86", "SCMP_ARCH_X32",
					     "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", NULL };
	static const char *const flags[] = { "SECCOMP_FILTER_FLAG_LOG",
					     "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
					     "SECCOMP_FILTER_FLAG_TSYNC", NULL };
	json_object *l = json_object_new_object(), *cg = json_object_new_object(),
		    *sc = json_object_new_object(), *off = json_object_new_object(),
		    *off2 = json_object_new_object(), *mx = json_object_new_object(),
		    *idmap = json_object_new_object();

	json_object_object_add(l, "namespaces", strings(namespaces));
	/* Every capability the kernel knows; beyond Docker's 14 only as the policy allows. */
	json_object_object_add(l, "capabilities", caps_json(~UINT64_C(0)));
	json_object_object_add(cg, "v1", json_object_new_boolean(1));
	json_object_object_add(cg, "v2", json_object_new_boolean(1));
	json_object_object_add(cg, "systemd", json_object_new_boolean(1));
	json_object_object_add(cg, "systemdUser", json_object_new_boolean(0));
	json_object_object_add(cg, "rdma", json_object_new_boolean(0));
	json_object_object_add(l, "cgroup", cg);
	json_object_object_add(sc, "enabled", json_object_new_boolean(1));
	json_object_object_add(sc, "actions", strings(actions));
	json_object_object_add(sc, "operators", strings(operators));
	json_object_object_add(sc, "archs", strings(archs));
	json_object_object_add(sc, "knownFlags", strings(flags));
	json_object_object_add(sc, "supportedFlags", strings(flags));
	json_object_object_add(l, "seccomp", sc);
	json_object_object_add(off, "enabled", json_object_new_boolean(0));
	json_object_object_add(l, "apparmor", off);
	json_object_object_add(off2, "enabled", json_object_new_boolean(0));
	json_object_object_add(l, "selinux", off2);
	json_object_object_add(idmap, "enabled", json_object_new_boolean(0));
	json_object_object_add(mx, "idmap", idmap);
	json_object_object_add(l, "mountExtensions", mx);
	return l;
}

int oci_cmd_features(struct oci_ctx *ctx, int argc, char **argv)
{
	static const char *const hooks[] = { "prestart", "createRuntime", "poststart", "poststop",
					     NULL };
	static const char *const options[] = {
		"async",      "atime",	    "bind",    "defaults",    "dev",
		"diratime",   "exec",	    "mand",    "noatime",     "nodev",
		"nodiratime", "noexec",	    "nomand",  "norelatime",  "nostrictatime",
		"nosuid",     "private",    "rbind",   "relatime",    "remount",
		"ro",	      "rprivate",   "rshared", "rslave",      "runbindable",
		"rw",	      "shared",	    "slave",   "strictatime", "suid",
		"sync",	      "unbindable", NULL
	};
	json_object *o = json_object_new_object(), *ann = json_object_new_object();

	(void)argv;
	if (argc != 1) {
		oci_log(ctx, "error", "usage: joblet-oci features");
		json_object_put(o);
		json_object_put(ann);
		return 1;
	}
	json_object_object_add(o, "ociVersionMin", json_object_new_string("1.0.0"));
	json_object_object_add(o, "ociVersionMax", json_object_new_string("1.1.0"));
	json_object_object_add(o, "hooks", strings(hooks));
	json_object_object_add(o, "mountOptions", strings(options));
	json_object_object_add(o, "linux", features_linux());
	json_object_object_add(ann, "io.github.joblet.version",
			       json_object_new_string(JOBLET_VERSION_STRING));
	json_object_object_add(
		ann, "io.github.joblet.floor",
		json_object_new_string(
			"user namespace, seccomp floor, no_new_privs, new namespaces; see docs/oci.md"));
	json_object_object_add(o, "annotations", ann);
	printf("%s\n",
	       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return 0;
}

/* The default config.json; rootless, without the mappings (joblet-oci adds the caller's). */
static const char default_spec[] =
	"{\n"
	"\t\"ociVersion\": \"1.0.2\",\n"
	"\t\"process\": {\n"
	"\t\t\"terminal\": true,\n"
	"\t\t\"user\": { \"uid\": 0, \"gid\": 0 },\n"
	"\t\t\"args\": [ \"sh\" ],\n"
	"\t\t\"env\": [ \"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\", \"TERM=xterm\" ],\n"
	"\t\t\"cwd\": \"/\",\n"
	"\t\t\"capabilities\": {\n"
	"\t\t\t\"bounding\": %CAPS%,\n"
	"\t\t\t\"effective\": %CAPS%,\n"
	"\t\t\t\"permitted\": %CAPS%\n"
	"\t\t},\n"
	"\t\t\"rlimits\": [ { \"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024 } ],\n"
	"\t\t\"noNewPrivileges\": true\n"
	"\t},\n"
	"\t\"root\": { \"path\": \"rootfs\", \"readonly\": true },\n"
	"\t\"hostname\": \"joblet\",\n"
	"\t\"mounts\": [\n"
	"\t\t{ \"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\" },\n"
	"\t\t{ \"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [ \"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\" ] },\n"
	"\t\t{ \"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\", \"options\": [ \"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\" ] },\n"
	"\t\t{ \"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\", \"options\": [ \"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\" ] },\n"
	"\t\t{ \"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\", \"options\": [ \"nosuid\", \"noexec\", \"nodev\" ] },\n"
	"\t\t{ \"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\", \"options\": [ \"nosuid\", \"noexec\", \"nodev\", \"ro\" ] }\n"
	"\t],\n"
	"\t\"linux\": {\n"
	"\t\t\"resources\": { \"devices\": [ { \"allow\": false, \"access\": \"rwm\" } ] },\n"
	"\t\t\"namespaces\": [ { \"type\": \"pid\" }, { \"type\": \"network\" }, { \"type\": \"ipc\" }, { \"type\": \"uts\" }, { \"type\": \"mount\" }, { \"type\": \"cgroup\" } ],\n"
	"\t\t\"maskedPaths\": [ \"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\", \"/proc/latency_stats\", \"/proc/timer_list\", \"/proc/timer_stats\", \"/proc/sched_debug\", \"/sys/firmware\", \"/proc/scsi\" ],\n"
	"\t\t\"readonlyPaths\": [ \"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\", \"/proc/sysrq-trigger\" ]\n"
	"\t}\n"
	"}\n";

int oci_cmd_spec(struct oci_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "rootless", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_free_ char *path = NULL, *caps = NULL, *text = NULL;
	_cleanup_close_ int fd = -1;
	const char *bundle = ".", *mark;
	json_object *c;
	int o;

	while ((o = getopt_long(argc, argv, "b:", opts, NULL)) != -1) {
		if (o == 'b')
			bundle = optarg;
		else if (o != 'r') {
			oci_log(ctx, "error", "usage: joblet-oci spec [--bundle DIR] [--rootless]");
			return 1;
		}
	}
	c = caps_json(oci_caps_default());
	caps = c ? strdup(json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN)) : NULL;
	json_object_put(c);
	path = jl_strdup_printf("%s/config.json", bundle);
	if (!caps || !path)
		return 1;
	/* Three %CAPS%: the spec text with each replaced. */
	for (const char *p = default_spec; (mark = strstr(p, "%CAPS%")) || *p; p = mark + 6) {
		_cleanup_free_ char *prev = text;

		if (!mark) {
			text = jl_strdup_printf("%s%s", prev ? prev : "", p);
			break;
		}
		text = jl_strdup_printf("%s%.*s%s", prev ? prev : "", (int)(mark - p), p, caps);
		if (!text)
			return 1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		oci_log(ctx, "error",
			errno == EEXIST ? "`%s` exists already: remove it first"
					: "cannot write `%s`",
			path);
		return 1;
	}
	if (!text || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		oci_log(ctx, "error", "cannot write `%s`", path);
		return 1;
	}
	return 0;
}

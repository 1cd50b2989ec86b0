/*
 * oci/oci.h - joblet-oci, the runc-compatible OCI runtime: its modules and
 * the one contract between them.
 *
 * joblet-oci is its own program (sbin), linking libjoblet's private tier
 * like joblet-shim does.  A caller (containerd's runc shim, podman's conmon,
 * Slurm's slurmstepd, a person) runs it with runc's command line; every
 * command is a short-lived process: no supervisor of ours stays behind.
 * The container's first process ("init", pid 1 of its pid namespace) is
 * left as a child of whoever called `create` (or of its subreaper).
 *
 * Modules (one file each, named for what they define):
 *   oci.c       main: global flags, the command table, logging (--log)
 *   policy.c    /etc/joblet/oci.yml (or joblet.yml's oci:): what the operator
 *               allows beyond the floor
 *   state.c     <root>/<id>/: state.json, the lock, status of a container
 *   create.c    create/start/run/kill/delete/state/list/spec/features
 *   userns.c    the user namespace a container gets, its host id range
 *   cgroup.c    linux.cgroupsPath and linux.resources (v1 and v2)
 *   rootfs.c    root, mounts, /dev, maskedPaths, readonlyPaths, pivot_root
 *   process.c   process: user, rlimits, capabilities, no_new_privs, env, exec
 *   seccomp.c   linux.seccomp (libseccomp), stacked on joblet's floor
 *   floor.c     joblet's floor filter: the isolation/seccomp plugin
 *   console.c   process.terminal with --console-socket
 *   exec.c      exec: a new process in a running container
 *
 * Conventions (STYLE.md): 0 / negative with struct joblet_error **err
 * last; `_free` accepts NULL; json_object arguments are borrowed unless
 * said otherwise.  Functions marked "child" run in the container's first
 * process between clone() and execve(): they may allocate but must not
 * take locks another thread could hold (joblet-oci is single-threaded).
 */
#ifndef JL_OCI_H
#define JL_OCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include <joblet/error.h>

/* --- context -------------------------------------------------------- */

enum oci_log_format {
	OCI_LOG_TEXT = 1,
	OCI_LOG_JSON,
};

enum oci_rootless {
	OCI_ROOTLESS_AUTO = 1,
	OCI_ROOTLESS_TRUE,
	OCI_ROOTLESS_FALSE,
};

/*
 * What the operator allows beyond the floor (policy.c).  Every field's
 * default is the floor: false / 0.
 */
struct oci_policy {
	bool allow_host_root;	    /* no user namespace, or one mapping to host uid/gid 0 */
	bool allow_hooks;	    /* config.json hooks are run (else refused) */
	bool allow_host_devices;    /* linux.devices beyond the default set */
	bool allow_host_namespaces; /* linux.namespaces[].path of the host's own namespaces */
	uint64_t allowed_caps;	    /* capabilities beyond Docker's 14 that may be granted */
	uint32_t uid_base;	    /* first host uid/gid of the containers' ranges */
	uint32_t uid_count;	    /* ids per container */
	uint32_t uid_slots;	    /* containers with a range at once */
	char *joblet_config;	    /* joblet.yml for the floor (plugin dir, seccomp) (owned) */
};

struct oci_ctx {
	char *root; /* --root: the state folder (owned) */
	int log_fd; /* --log, or 2 */
	enum oci_log_format log_format;
	bool systemd_cgroup; /* --systemd-cgroup: cgroupsPath is slice:prefix:name */
	bool debug;
	bool rootless; /* resolved from --rootless: auto = geteuid() != 0 */
	struct oci_policy policy;
};

/* Log a line to --log in its format (level "error", "warning", "info", "debug"). */
void oci_log(const struct oci_ctx *ctx, const char *level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* --- json.c --------------------------------------------------------- */

/* v, the field at path ("process.user.uid"), as an integer from 0 to max. */
int oci_json_uint(json_object *v, const char *path, uint64_t max, uint64_t *ret,
		  struct joblet_error **err);

/* --- policy.c ------------------------------------------------------- */

/*
 * Read the policy: path (NULL = $JOBLET_OCI_CONFIG, else /etc/joblet/oci.yml;
 * a missing default file is the floor; a missing named file is an error).
 */
int oci_policy_load(const char *path, struct oci_policy *ret, struct joblet_error **err);
void oci_policy_clear(struct oci_policy *p);

/* Docker's default 14 capabilities, as a mask of CAP_* bits. */
uint64_t oci_caps_default(void);
/* "CAP_CHOWN" -> 0 (CAP_CHOWN); -1 for an unknown name. */
int oci_cap_from_name(const char *name);
const char *oci_cap_name(int cap);

/* --- cgroup.c ------------------------------------------------------- */

struct oci_cgroup;

/*
 * Parse linux.cgroupsPath and linux.resources (linux may be NULL) of
 * container id and resolve where its cgroup goes: cgroupfs form ("/a/b":
 * from the root of each hierarchy; "a/b": under the calling process's own
 * cgroup) or with ctx->systemd_cgroup "slice:prefix:name"; empty: runc's
 * default.  Always where the caller says, never in joblet's own tree.
 * Every resource is validated here, before anything is made; one this
 * host cannot enforce is an error naming it (never silently ignored).
 * Rootless: a cgroup the caller cannot write is used as it is (the
 * caller's own) when no resource is asked for, else an error.
 */
int oci_cgroup_parse(const struct oci_ctx *ctx, const char *id, json_object *linux_obj,
		     struct oci_cgroup **ret, struct joblet_error **err);
/* Make the cgroup (every hierarchy on v1) and write its limits. */
int oci_cgroup_create(struct oci_cgroup *cg, struct joblet_error **err);
/* Put process pid (host pid namespace) into it. */
int oci_cgroup_add(struct oci_cgroup *cg, pid_t pid, struct joblet_error **err);
/* `update`: new limits from a linux.resources object. */
int oci_cgroup_update(struct oci_cgroup *cg, json_object *resources, struct joblet_error **err);
/* `pause` / `resume`: freezer (v1) or cgroup.freeze (v2); waits until done. */
int oci_cgroup_freeze(struct oci_cgroup *cg, bool frozen, struct joblet_error **err);
/* 1 frozen, 0 not, negative on error. */
int oci_cgroup_frozen(struct oci_cgroup *cg, struct joblet_error **err);
/* Every process in it (host pids), *ret owned by the caller. */
int oci_cgroup_pids(struct oci_cgroup *cg, pid_t **ret, size_t *ret_n, struct joblet_error **err);
/* Signal every process in it (`kill --all`, `delete --force`). */
int oci_cgroup_signal_all(struct oci_cgroup *cg, int sig, struct joblet_error **err);
/* `events --stats`: runc's "data" object (cpu, memory, pids, blkio); *ret owned. */
int oci_cgroup_stats(struct oci_cgroup *cg, json_object **ret, struct joblet_error **err);
/* OOM kills seen so far (for `events`), negative on error. */
long long oci_cgroup_oom_count(struct oci_cgroup *cg, struct joblet_error **err);
/* Remove what create made (no process is left in it); finding nothing is success. */
int oci_cgroup_destroy(struct oci_cgroup *cg, struct joblet_error **err);
/* For state.json and back: the resolved paths and what was made. *ret owned. */
int oci_cgroup_to_json(const struct oci_cgroup *cg, json_object **ret, struct joblet_error **err);
int oci_cgroup_from_json(const struct oci_ctx *ctx, json_object *o, struct oci_cgroup **ret,
			 struct joblet_error **err);
void oci_cgroup_free(struct oci_cgroup *cg);
/*
 * The cgroupfs path of a --systemd-cgroup cgroupsPath "slice:prefix:name"
 * ("a-b.slice:p:n" -> "/a.slice/a-b.slice/p-n.scope"; an empty slice is
 * system.slice; a name ending in .slice is a slice of its own).  *ret owned.
 */
int oci_cgroup_systemd_path(const char *spec, char **ret, struct joblet_error **err);

/* --- userns.c ------------------------------------------------------- */

struct oci_userns;

/*
 * The user namespace of container id from config (linux.uidMappings,
 * linux.gidMappings, linux.namespaces): the bundle's own mappings when it
 * asks for a user namespace (checked against the policy), else one added
 * here mapping container 0..uid_count-1 to a host range of its own
 * (a slot locked under ctx->root/uids).  Rootless: the caller's uid and
 * gid as container 0.  With allow_host_root and no user namespace asked
 * for, none is made.
 */
int oci_userns_parse(const struct oci_ctx *ctx, const char *id, json_object *config,
		     struct oci_userns **ret, struct joblet_error **err);
bool oci_userns_enabled(const struct oci_userns *u);
/* Joined by path (no maps of ours): *ret_path borrowed. */
bool oci_userns_joined(const struct oci_userns *u, const char **ret_path);
/* Host uid/gid of container uid/gid (for chown of what we create); -1 if unmapped. */
long long oci_userns_host_uid(const struct oci_userns *u, uint32_t uid);
long long oci_userns_host_gid(const struct oci_userns *u, uint32_t gid);
/* Parent: write /proc/pid/{uid_map,setgroups,gid_map} of the new child. */
int oci_userns_write_maps(const struct oci_userns *u, pid_t pid, struct joblet_error **err);
int oci_userns_to_json(const struct oci_userns *u, json_object **ret, struct joblet_error **err);
int oci_userns_from_json(const struct oci_ctx *ctx, json_object *o, struct oci_userns **ret,
			 struct joblet_error **err);
/* `delete`: give the slot back. */
void oci_userns_release(struct oci_userns *u);
void oci_userns_free(struct oci_userns *u);

/* --- rootfs.c ------------------------------------------------------- */

struct oci_rootfs;

/*
 * root (path relative to bundle, readonly), mounts, linux.devices,
 * linux.maskedPaths, linux.readonlyPaths, linux.rootfsPropagation,
 * hostname, linux.sysctl of config.json; refuses what the policy does not
 * allow (host devices) with a message naming the field.
 */
int oci_rootfs_parse(const struct oci_ctx *ctx, const char *bundle, json_object *config,
		     struct oci_rootfs **ret, struct joblet_error **err);
/*
 * Child, inside the new mount namespace (and user namespace, as its root):
 * the mounts, a minimal /dev (the default devices bound from the host's),
 * /dev/pts with newinstance, pivot_root into root.path, old root detached,
 * masked and read-only paths, root read-only if asked, sysctls, hostname.
 */
int oci_rootfs_setup(const struct oci_rootfs *r, struct joblet_error **err);
/*
 * Caller, after parse and before the container's first process is made
 * (optional): open root.path and every bind mount's source as
 * detached private copies of their mount trees (open_tree), which setup
 * then attaches.  Needed when the container's root, an unprivileged host
 * user, cannot reach those paths itself (containerd keeps bundles in 0700
 * folders).  Without the privilege to (a rootless caller) or before
 * Linux 5.2 it does nothing, and setup opens the paths itself.  The fds
 * are close-on-exec and closed by oci_rootfs_free.
 */
int oci_rootfs_open_sources(struct oci_rootfs *r, struct joblet_error **err);
/*
 * Caller, once the cgroup is made: its state (oci_cgroup_to_json), so a
 * `cgroup` mount shows the container's own folder of each hierarchy.
 */
int oci_rootfs_set_cgroups(struct oci_rootfs *r, json_object *cgroup, struct joblet_error **err);
void oci_rootfs_free(struct oci_rootfs *r);

/* --- process.c ------------------------------------------------------ */

struct oci_process;

/*
 * process of config.json (or of `exec --process FILE`): args, env, cwd,
 * user (uid, gid, additionalGids, umask), rlimits, noNewPrivileges,
 * capabilities (sets checked against Docker's 14 plus what the policy
 * allows), terminal, consoleSize, oomScoreAdj; apparmorProfile and
 * selinuxLabel are refused when set (this host enforces neither).
 */
int oci_process_parse(const struct oci_ctx *ctx, json_object *process, struct oci_process **ret,
		      struct joblet_error **err);
bool oci_process_terminal(const struct oci_process *p);
/* consoleSize, 0 when not given. */
void oci_process_console_size(const struct oci_process *p, unsigned *ret_rows, unsigned *ret_cols);
/* `exec` overrides: --env K=V (added/replaced), --cwd, --tty. */
int oci_process_set_env(struct oci_process *p, const char *kv, struct joblet_error **err);
int oci_process_set_cwd(struct oci_process *p, const char *cwd, struct joblet_error **err);
void oci_process_set_terminal(struct oci_process *p, bool terminal);
/*
 * Child, after rootfs_setup (or setns for exec): rlimits, oom_score_adj,
 * umask, additional groups, setresgid/setresuid keeping the capabilities
 * asked for (bounding, permitted, effective, inheritable, ambient), cwd.
 */
int oci_process_apply(const struct oci_process *p, struct joblet_error **err);
/*
 * Stage 1, still the host's root: process.rlimits, so limits above the
 * caller's own hard ones (which need CAP_SYS_RESOURCE on the host) are set
 * before the user namespace takes that away.  apply sets them again.
 */
int oci_process_apply_rlimits(const struct oci_process *p, struct joblet_error **err);
/*
 * Child, last: no_new_privs, joblet's floor filter (floor), then the
 * bundle's filter (sc, may be NULL); then, if fifo_fd >= 0, open it for
 * writing through /proc/self/fd (blocks until `start` reads) and write
 * one byte; then execve args[0] searched in the process's own PATH with
 * exactly its env.  Returns only on failure.
 */
struct oci_floor;
struct oci_seccomp;
int oci_process_exec(const struct oci_process *p, const struct oci_floor *floor,
		     const struct oci_seccomp *sc, int fifo_fd, struct joblet_error **err);
void oci_process_free(struct oci_process *p);

/* --- seccomp.c ------------------------------------------------------ */

/*
 * linux.seccomp (may be NULL: *ret = NULL): defaultAction, architectures,
 * flags, syscalls with names, action, errnoRet and args.  Built into a
 * BPF program here, in the caller (a filter the kernel would refuse fails
 * `create`, not the container).  listenerPath (user notification) is
 * refused.
 */
int oci_seccomp_parse(json_object *seccomp, struct oci_seccomp **ret, struct joblet_error **err);
/* System-call names of the profile this libseccomp does not know (skipped, as runc does). */
size_t oci_seccomp_unknown_count(const struct oci_seccomp *sc);
/* Child: load it (no_new_privs is already set). */
int oci_seccomp_load(const struct oci_seccomp *sc, struct joblet_error **err);
void oci_seccomp_free(struct oci_seccomp *sc);

/* --- floor.c -------------------------------------------------------- */

/*
 * joblet's floor filter: the isolation/seccomp plugin as joblet.yml
 * (ctx->policy.joblet_config, else the default) configures it, prepared in
 * the caller (its compiled program cached under ctx->root/cache).
 */
int oci_floor_prepare(const struct oci_ctx *ctx, struct oci_floor **ret, struct joblet_error **err);
/* Child: load it (sets no_new_privs). */
int oci_floor_load(const struct oci_floor *f, struct joblet_error **err);
void oci_floor_free(struct oci_floor *f);

/* --- console.c ------------------------------------------------------ */

/* Caller: connect to --console-socket; *ret_fd is the connected socket. */
int oci_console_connect(const char *path, int *ret_fd, struct joblet_error **err);
/*
 * Child, after the root is built (so /dev/ptmx is the container's): open
 * a pty, set its size, send the master over sock_fd (SCM_RIGHTS, as runc
 * does), make the slave stdin/stdout/stderr and the controlling terminal
 * of a new session; closes sock_fd.
 */
int oci_console_setup(int sock_fd, unsigned rows, unsigned cols, struct joblet_error **err);

/* --- state.c -------------------------------------------------------- */

/* Status values of the runtime spec, and runc's "paused". */
enum oci_status {
	OCI_STATUS_CREATING = 1,
	OCI_STATUS_CREATED,
	OCI_STATUS_RUNNING,
	OCI_STATUS_PAUSED,
	OCI_STATUS_STOPPED,
};

/* One container as <root>/<id>/state.json keeps it. */
struct oci_state {
	char *id;
	char *bundle;		      /* absolute */
	pid_t pid;		      /* init, host pid namespace; 0 before it exists */
	unsigned long long pid_start; /* its start time (/proc/PID/stat field 22) */
	char *created;		      /* RFC 3339 */
	uid_t owner;		      /* who created it */
	bool rootless;
	json_object *annotations;  /* owned; may be NULL */
	json_object *config;	   /* the config.json create read (owned) */
	struct oci_cgroup *cgroup; /* owned; may be NULL */
	struct oci_userns *userns; /* owned; may be NULL */
	int dir_fd;		   /* <root>/<id> */
	int lock_fd;		   /* flock held while loaded with lock */
};

/*
 * Load container id; with lock, hold its lock (exclusive) until
 * oci_state_free.  JOBLET_E_NOT_FOUND "container `id` does not exist".
 */
int oci_state_load(const struct oci_ctx *ctx, const char *id, bool lock, struct oci_state **ret,
		   struct joblet_error **err);
/* What the container is now: looks at its init (alive? same start time?), the exec fifo, the
 * freezer. */
enum oci_status oci_state_status(const struct oci_state *st);
const char *oci_status_name(enum oci_status s);
/* The runtime spec's state object (ociVersion, id, status, pid, bundle, annotations); *ret owned.
 */
int oci_state_json(const struct oci_state *st, json_object **ret, struct joblet_error **err);
void oci_state_free(struct oci_state *st);

/* Is id a container name runc would take ([A-Za-z0-9_+.-], 1 to 1024 bytes, not . or ..)? */
bool oci_id_valid(const char *id);
/*
 * create: make <root>/<id> (JOBLET_E_EXISTS "container `id` already
 * exists"), hold its lock; st->id, dir_fd, lock_fd, owner set.
 */
int oci_state_new(const struct oci_ctx *ctx, const char *id, struct oci_state **ret,
		  struct joblet_error **err);
/* Write state.json atomically. */
int oci_state_save(const struct oci_state *st, struct joblet_error **err);
/* Remove <root>/<id> (with its exec fifo and state.json). */
int oci_state_remove(const struct oci_ctx *ctx, const struct oci_state *st,
		     struct joblet_error **err);
/* The ids of every container under --root, sorted; *ret NULL-terminated, owned. */
int oci_state_list(const struct oci_ctx *ctx, char ***ret, struct joblet_error **err);
/* Start time of pid (/proc/PID/stat field 22); negative if it does not exist. */
int oci_pid_start(pid_t pid, unsigned long long *ret);
/* Is pid still the process that started at start (and not a zombie)? */
bool oci_pid_alive(pid_t pid, unsigned long long start);

/* Join the namespaces of process pid (host pid) that differ from ours, user namespace first. */
int oci_ns_join(pid_t pid, struct joblet_error **err);

/* --- create.c: making a container's process ------------------------ */

/*
 * Between a command and the processes it forks: one SOCK_SEQPACKET
 * datagram per message, a type byte and text.
 */
enum oci_msg {
	OCI_MSG_MAPS = 'M',  /* stage 1: my user namespace exists, write its maps */
	OCI_MSG_OK = 'K',    /* caller: done */
	OCI_MSG_PID = 'P',   /* stage 1: the host pid of the process it forked follows */
	OCI_MSG_GO = 'G',    /* caller: go on */
	OCI_MSG_READY = 'R', /* the process: set up; about to exec (or wait on exec.fifo) */
	OCI_MSG_ERROR = 'E', /* stage 1 or the process: what failed follows */
};
int oci_sync_send(int fd, char type, const char *text);
/* One message; type '\0' at EOF. */
int oci_sync_recv(int fd, char *ret_type, char *text, size_t size);
/* In a forked process: send OCI_MSG_ERROR "what: e's message" and _exit(1). */
_Noreturn void oci_sync_fail(int fd, const char *what, struct joblet_error *e);

/*
 * In the process about to exec: descriptors 3..3+preserve_fds-1 (the
 * caller's --preserve-fds) stay open, every other one above 2 closes on exec.
 */
void oci_fds_for_exec(int preserve_fds);
/*
 * `run` and `exec` in the foreground: pass the signals we get on to child
 * (our child: we are its subreaper), and with master >= 0 copy between it
 * and our stdin/stdout (window size too); return its exit code (128+N
 * after signal N).
 */
int oci_wait_passing(pid_t child, int master);

/* Signal names as runc takes them: "KILL", "SIGKILL", "9"; negative if unknown. */
int oci_signal_parse(const char *s);
/* Run the hooks config.json lists under hooks.<which> (policy permitting), state on stdin. */
int oci_hooks_run(const struct oci_ctx *ctx, const struct oci_state *st, const char *which,
		  struct joblet_error **err);

/* --- commands ------------------------------------------------------- */

/* Each takes the words after its name (argv[0] = the command name) and returns the exit code. */
int oci_cmd_create(struct oci_ctx *ctx, int argc, char **argv);
int oci_cmd_start(struct oci_ctx *ctx, int argc, char **argv);
int oci_cmd_run(struct oci_ctx *ctx, int argc, char **argv);
int oci_cmd_state(struct oci_ctx *ctx, int argc, char **argv);
int oci_cmd_kill(struct oci_ctx *ctx, int argc, char **argv);
int oci_cmd_delete(struct oci_ctx *ctx, int argc, char **argv);
int oci_cmd_list(struct oci_ctx *ctx, int argc, char **argv);
int oci_cmd_ps(struct oci_ctx *ctx, int argc, char **argv);
int oci_cmd_exec(struct oci_ctx *ctx, int argc, char **argv);
int oci_cmd_pause(struct oci_ctx *ctx, int argc, char **argv);
int oci_cmd_resume(struct oci_ctx *ctx, int argc, char **argv);
int oci_cmd_update(struct oci_ctx *ctx, int argc, char **argv);
int oci_cmd_events(struct oci_ctx *ctx, int argc, char **argv);
int oci_cmd_features(struct oci_ctx *ctx, int argc, char **argv);
int oci_cmd_spec(struct oci_ctx *ctx, int argc, char **argv);

#endif /* JL_OCI_H */

/*
 * test_cgroup.c - the computations and file steps of isolation/cgroup1 and
 * isolation/cgroup2 (plugins/isolation/common/cgroup_common.c,
 * cgroup1_files.c, cgroup2_files.c), against fake sysfs and cgroupfs trees
 * built in a scratch folder, realistic mountinfo fixtures
 * (tests/fixtures/cgroup/) and, where it is harmless, the real /proc and /sys.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>

#include "cgroup1_files.h"
#include "cgroup2_files.h"
#include "cgroup_common.h"
#include "jl_test.h"
#include "jl_tmp.h"

/* ------------------------------------------------------------------ helpers */

static void mkdirs(const char *rel)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/%s", jl_tmpdir, rel);
	for (char *s = p + strlen(jl_tmpdir) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	mkdir(p, 0755);
}

static void put(const char *rel, const char *content)
{
	char dir[4096], *slash;

	snprintf(dir, sizeof(dir), "%s", rel);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		mkdirs(dir);
	}
	jl_tmp_write(rel, content);
}

static void link_to(const char *target, const char *rel)
{
	char dir[4096], *slash;

	snprintf(dir, sizeof(dir), "%s", rel);
	slash = strrchr(dir, '/');
	*slash = '\0';
	mkdirs(dir);
	ck_assert_int_eq(symlink(target, jl_tmp_path(rel)), 0);
}

/* The content of a scratch file ("" when it is absent). */
static const char *get(const char *rel)
{
	static char buf[4][4096];
	static unsigned next;
	char *b = buf[next++ % 4];
	FILE *f = fopen(jl_tmp_path(rel), "r");
	size_t n = 0;

	b[0] = '\0';
	if (f) {
		n = fread(b, 1, 4095, f);
		fclose(f);
	}
	b[n] = '\0';
	return b;
}

static int open_dir(const char *rel)
{
	int fd = open(jl_tmp_path(rel), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	return fd;
}

static const char *fixture(const char *name)
{
	static char p[4096];

	snprintf(p, sizeof(p), "%s/tests/fixtures/cgroup/%s", jl_test_env("JOBLET_TEST_SRCDIR"),
		 name);
	return p;
}

/* Empty files, as the kernel offers them in a cgroup folder. */
static void offer(const char *dir, const char *const *files)
{
	char p[4096];

	for (; *files; files++) {
		snprintf(p, sizeof(p), "%s/%s", dir, *files);
		put(p, "");
	}
}

/* ------------------------------------------------------------------ limit strings */

START_TEST(cpu_max_strings)
{
	char b[64];

	ck_assert_int_eq(jl_cg_cpu_max(50, b, sizeof(b)), 0);
	ck_assert_str_eq(b, "50000 100000");
	ck_assert_int_eq(jl_cg_cpu_max(250, b, sizeof(b)), 0);
	ck_assert_str_eq(b, "250000 100000");
	ck_assert_int_eq(jl_cg_cpu_max(0, b, sizeof(b)), 0);
	ck_assert_str_eq(b, "max 100000");
	ck_assert_int_eq(jl_cg_cpu_max(1, b, sizeof(b)), 0);
	ck_assert_str_eq(b, "1000 100000");
	ck_assert_int_eq(jl_cg_cpu_max(100, b, sizeof(b)), 0);
	ck_assert_str_eq(b, "100000 100000");
	/* A buffer too small is an error, never a cut value. */
	ck_assert_int_eq(jl_cg_cpu_max(50, b, 6), -ERANGE);
}
END_TEST

START_TEST(cfs_quota)
{
	ck_assert_int_eq(jl_cg_cfs_quota_us(50), 50000);
	ck_assert_int_eq(jl_cg_cfs_quota_us(20), 20000);
	ck_assert_int_eq(jl_cg_cfs_quota_us(250), 250000);
	ck_assert_int_eq(jl_cg_cfs_quota_us(0), -1);
	ck_assert_int_eq(jl_cg_cfs_quota_us(-5), -1);
}
END_TEST

START_TEST(device_lines)
{
	struct jl_cg_dev d = { 8, 16 };
	char b[64];

	ck_assert_int_eq(jl_cg_io_max_line(&d, 1048576, b, sizeof(b)), 0);
	ck_assert_str_eq(b, "8:16 rbps=1048576 wbps=1048576");
	ck_assert_int_eq(jl_cg_blkio_line(&d, 1048576, b, sizeof(b)), 0);
	ck_assert_str_eq(b, "8:16 1048576");
	d = (struct jl_cg_dev){ 259, 0 };
	ck_assert_int_eq(jl_cg_io_max_line(&d, 10, b, sizeof(b)), 0);
	ck_assert_str_eq(b, "259:0 rbps=10 wbps=10");
	ck_assert_int_eq(jl_cg_io_max_line(&d, 10, b, 8), -ERANGE);
}
END_TEST

START_TEST(swap_detection)
{
	ck_assert(!jl_cg_host_has_swap(
		jl_tmp_write("swaps0", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n")));
	ck_assert(jl_cg_host_has_swap(jl_tmp_write(
		"swaps1",
		"Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
		"/dev/zram0                              partition\t4194300\t\t0\t\t100\n")));
	ck_assert(!jl_cg_host_has_swap(jl_tmp_path("no-such-file")));
}
END_TEST

/* ------------------------------------------------------------------ block devices */

/*
 * A fake sysfs: sda (8:0) with sda2 (8:2); sdb (8:16) with sdb1 (8:17);
 * dm-0 (253:0) on sda2 and sdb1; md0 (9:0) on dm-0; loop0 (7:0).
 */
static const char *fake_sysfs(void)
{
	put("sys/devices/pci0000:00/block/sda/dev", "8:0\n");
	put("sys/devices/pci0000:00/block/sda/sda2/dev", "8:2\n");
	put("sys/devices/pci0000:00/block/sda/sda2/partition", "2\n");
	put("sys/devices/pci0000:00/block/sdb/dev", "8:16\n");
	put("sys/devices/pci0000:00/block/sdb/sdb1/dev", "8:17\n");
	put("sys/devices/pci0000:00/block/sdb/sdb1/partition", "1\n");
	put("sys/devices/virtual/block/dm-0/dev", "253:0\n");
	mkdirs("sys/devices/virtual/block/dm-0/slaves");
	link_to("../../../../pci0000:00/block/sda/sda2",
		"sys/devices/virtual/block/dm-0/slaves/sda2");
	link_to("../../../../pci0000:00/block/sdb/sdb1",
		"sys/devices/virtual/block/dm-0/slaves/sdb1");
	put("sys/devices/virtual/block/md0/dev", "9:0\n");
	mkdirs("sys/devices/virtual/block/md0/slaves");
	link_to("../../dm-0", "sys/devices/virtual/block/md0/slaves/dm-0");
	put("sys/devices/virtual/block/loop0/dev", "7:0\n");
	mkdirs("sys/devices/virtual/block/loop0/slaves");
	link_to("../../devices/pci0000:00/block/sda", "sys/dev/block/8:0");
	link_to("../../devices/pci0000:00/block/sda/sda2", "sys/dev/block/8:2");
	link_to("../../devices/pci0000:00/block/sdb", "sys/dev/block/8:16");
	link_to("../../devices/pci0000:00/block/sdb/sdb1", "sys/dev/block/8:17");
	link_to("../../devices/virtual/block/dm-0", "sys/dev/block/253:0");
	link_to("../../devices/virtual/block/md0", "sys/dev/block/9:0");
	link_to("../../devices/virtual/block/loop0", "sys/dev/block/7:0");
	return jl_tmp_path("sys");
}

static bool has_dev(const struct jl_cg_devs *d, uint32_t ma, uint32_t mi)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->dev[i].major == ma && d->dev[i].minor == mi)
			return true;
	return false;
}

START_TEST(partition_is_its_disk)
{
	const char *sys = fake_sysfs();
	struct jl_cg_devs d;
	struct joblet_error *e = NULL;
	char line[64];

	ck_assert_int_eq(jl_cg_disks_of_dev(sys, 8, 17, &d, &e), 0);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_uint_eq(d.dev[0].major, 8);
	ck_assert_uint_eq(d.dev[0].minor, 16);
	jl_cg_io_max_line(&d.dev[0], 1048576, line, sizeof(line));
	ck_assert_str_eq(line, "8:16 rbps=1048576 wbps=1048576");

	ck_assert_int_eq(jl_cg_disks_of_dev(sys, 8, 16, &d, &e), 0);
	ck_assert_uint_eq(d.n, 1);
	ck_assert(has_dev(&d, 8, 16));
	ck_assert_int_eq(jl_cg_disks_of_dev(sys, 7, 0, &d, &e), 0);
	ck_assert_uint_eq(d.n, 1);
	ck_assert(has_dev(&d, 7, 0));
}
END_TEST

START_TEST(dm_follows_slaves)
{
	const char *sys = fake_sysfs();
	struct jl_cg_devs d;
	struct joblet_error *e = NULL;

	/* dm-0 itself and the whole disks under its partitions, each once. */
	ck_assert_int_eq(jl_cg_disks_of_dev(sys, 253, 0, &d, &e), 0);
	ck_assert_uint_eq(d.n, 3);
	ck_assert(has_dev(&d, 253, 0));
	ck_assert(has_dev(&d, 8, 0));
	ck_assert(has_dev(&d, 8, 16));
	ck_assert(!has_dev(&d, 8, 2));
	ck_assert(!has_dev(&d, 8, 17));

	/* md on dm: all the way down. */
	ck_assert_int_eq(jl_cg_disks_of_dev(sys, 9, 0, &d, &e), 0);
	ck_assert_uint_eq(d.n, 4);
	ck_assert(has_dev(&d, 9, 0));
	ck_assert(has_dev(&d, 253, 0));
	ck_assert(has_dev(&d, 8, 0));
	ck_assert(has_dev(&d, 8, 16));
}
END_TEST

START_TEST(not_a_block_device)
{
	const char *sys = fake_sysfs();
	struct jl_cg_devs d;
	struct joblet_error *e = NULL;

	ck_assert_int_eq(jl_cg_disks_of_dev(sys, 0, 45, &d, &e), -JOBLET_E_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(e->message, "0:45 is not a block device"));
	joblet_error_free(e);
}
END_TEST

/* A mountinfo that says /proc is mounted as fstype from source, with options. */
static const char *proc_as(const char *fstype, const char *source, const char *opts)
{
	struct stat st;
	char text[8192];

	ck_assert_int_eq(stat("/proc", &st), 0);
	snprintf(text, sizeof(text),
		 "1 0 8:2 / / rw - ext4 /dev/sda2 rw\n"
		 "30 1 %u:%u / /proc rw,nosuid - %s %s %s\n",
		 major(st.st_dev), minor(st.st_dev), fstype, source, opts);
	return jl_tmp_write("mountinfo", text);
}

START_TEST(non_block_fs_refused)
{
	struct jl_cg_devs d;
	struct joblet_error *e = NULL;
	struct stat st;

	/* The real thing: /proc has no disk. */
	ck_assert_int_eq(jl_cg_disks_of_path("/sys", "/proc/self/mountinfo", "/proc", &d, &e),
			 -JOBLET_E_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(e->message, "not backed by a block device"));
	ck_assert_ptr_nonnull(strstr(e->message, "`/proc`"));
	joblet_error_clear(&e);

	/* tmpfs, as mountinfo would say it. */
	ck_assert_int_eq(jl_cg_disks_of_path("/sys", proc_as("tmpfs", "tmpfs", "rw,size=64k"),
					     "/proc", &d, &e),
			 -JOBLET_E_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(e->message, "is on tmpfs, `tmpfs` mounted at `/proc`"));
	ck_assert_ptr_nonnull(strstr(e->message, "paths.state_dir"));
	joblet_error_clear(&e);

	/* Overlay with its upper directory on tmpfs-like storage: no disk either. */
	ck_assert_int_eq(
		jl_cg_disks_of_path("/sys",
				    proc_as("overlay", "overlay",
					    "rw,lowerdir=/l,upperdir=/proc/sys,workdir=/w"),
				    "/proc", &d, &e),
		-JOBLET_E_UNSUPPORTED);
	joblet_error_clear(&e);

	/* Overlay whose upper directory is on a disk: that disk. */
	ck_assert_int_eq(stat(jl_tmpdir, &st), 0);
	if (major(st.st_dev) != 0) {
		char opts[4200];
		struct jl_cg_devs want;

		snprintf(opts, sizeof(opts), "rw,lowerdir=/l,upperdir=%s,workdir=/w", jl_tmpdir);
		ck_assert_int_eq(
			jl_cg_disks_of_dev("/sys", major(st.st_dev), minor(st.st_dev), &want, &e),
			0);
		ck_assert_int_eq(jl_cg_disks_of_path("/sys", proc_as("overlay", "overlay", opts),
						     "/proc", &d, &e),
				 0);
		ck_assert_uint_eq(d.n, want.n);
		ck_assert(has_dev(&d, want.dev[0].major, want.dev[0].minor));
	}
}
END_TEST

/* The mount's source device (btrfs): a real device node pointing into the fake sysfs. */
START_TEST(anonymous_fs_by_source_device)
{
	const char *sys = fake_sysfs();
	struct jl_cg_devs d;
	struct joblet_error *e = NULL;

	ck_assert_int_eq(mknod(jl_tmp_path("sdb1"), S_IFBLK | 0600, makedev(8, 17)), 0);
	ck_assert_int_eq(jl_cg_disks_of_path(sys, proc_as("btrfs", jl_tmp_path("sdb1"), "rw,ssd"),
					     "/proc", &d, &e),
			 0);
	ck_assert_uint_eq(d.n, 1);
	ck_assert(has_dev(&d, 8, 16));
}
END_TEST

/* The real sysfs: whatever holds the scratch folder resolves to whole disks. */
START_TEST(real_storage)
{
	struct jl_cg_devs d;
	struct joblet_error *e = NULL;
	struct statfs sfs;
	int r;

	ck_assert_int_eq(statfs(jl_tmpdir, &sfs), 0);
	r = jl_cg_disks_of_path("/sys", "/proc/self/mountinfo", jl_tmpdir, &d, &e);
	if (sfs.f_type == 0x01021994 /* TMPFS_MAGIC */) {
		ck_assert_int_eq(r, -JOBLET_E_UNSUPPORTED);
		joblet_error_free(e);
		return;
	}
	ck_assert_msg(r == 0, "%s", joblet_error_message(e));
	ck_assert_uint_ge(d.n, 1);
	for (size_t i = 0; i < d.n; i++) {
		char p[256];

		snprintf(p, sizeof(p), "/sys/dev/block/%u:%u", d.dev[i].major, d.dev[i].minor);
		ck_assert_msg(access(p, F_OK) == 0, "%s", p);
		snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/partition", d.dev[i].major,
			 d.dev[i].minor);
		ck_assert_msg(access(p, F_OK) != 0, "%s: a partition, not a disk", p);
	}
}
END_TEST

/* ------------------------------------------------------------------ parsing */

START_TEST(flat_keyed)
{
	const char *events = "low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 1\n";
	const char *cpu = "usage_usec 1234567\nuser_usec 1000000\nsystem_usec 234567\n"
			  "nr_periods 31\nnr_throttled 30\nthrottled_usec 2400000\n";
	const char *v1 = "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n";
	uint64_t v = 99;

	ck_assert_int_eq(jl_cg_flat_get(events, "oom_kill", &v), 0);
	ck_assert_uint_eq(v, 2);
	ck_assert_int_eq(jl_cg_flat_get(events, "oom", &v), 0);
	ck_assert_uint_eq(v, 3);
	ck_assert_int_eq(jl_cg_flat_get(events, "max", &v), 0);
	ck_assert_uint_eq(v, 12);
	ck_assert_int_eq(jl_cg_flat_get(events, "oom_group", &v), -ENOENT);
	ck_assert_int_eq(jl_cg_flat_get(cpu, "usage_usec", &v), 0);
	ck_assert_uint_eq(v, 1234567);
	ck_assert_int_eq(jl_cg_flat_get(cpu, "throttled_usec", &v), 0);
	ck_assert_uint_eq(v, 2400000);
	ck_assert_int_eq(jl_cg_flat_get(v1, "oom_kill", &v), 0);
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(jl_cg_flat_get(v1, "oom_kill_disable", &v), 0);
	ck_assert_uint_eq(v, 0);
	/* Hostile or broken text. */
	ck_assert_int_eq(jl_cg_flat_get("usage_usec abc\n", "usage_usec", &v), -EINVAL);
	ck_assert_int_eq(jl_cg_flat_get("usage_usec -1\n", "usage_usec", &v), -EINVAL);
	ck_assert_int_eq(jl_cg_flat_get("usage_usec 99999999999999999999999\n", "usage_usec", &v),
			 -EINVAL);
	ck_assert_int_eq(jl_cg_flat_get("", "oom_kill", &v), -ENOENT);
	ck_assert_int_eq(jl_cg_flat_get("populated 0", "populated", &v), 0);
	ck_assert_uint_eq(v, 0);
}
END_TEST

START_TEST(nested_keyed)
{
	const char *io = "8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n"
			 "254:0 rbytes=5 wbytes=7 rios=1 wios=1 dbytes=0 dios=0\n";

	ck_assert_uint_eq(jl_cg_nested_sum(io, "rbytes"), 105);
	ck_assert_uint_eq(jl_cg_nested_sum(io, "wbytes"), 207);
	ck_assert_uint_eq(jl_cg_nested_sum(io, "bytes"), 0);
	ck_assert_uint_eq(jl_cg_nested_sum("", "rbytes"), 0);
	ck_assert(jl_cg_word_in("cpuset cpu io memory hugetlb pids\n", "cpu"));
	ck_assert(jl_cg_word_in("cpuset cpu io memory hugetlb pids\n", "pids"));
	ck_assert(!jl_cg_word_in("cpuset io memory\n", "cpu"));
	ck_assert(!jl_cg_word_in("", "cpu"));
}
END_TEST

START_TEST(mountinfo_lines)
{
	char l1[] =
		"52 28 8:2 /home/me/My\\040Files /srv/my\\040files rw,relatime shared:1 - ext4 /dev/sda2 rw,errors=remount-ro\n";
	char l2[] =
		"38 32 0:33 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct";
	char bad[] = "38 32 0:33 / /x rw no separator here";
	struct jl_cg_mount m;

	ck_assert_int_eq(jl_cg_mountinfo_parse_line(l1, &m), 0);
	ck_assert_uint_eq(m.major, 8);
	ck_assert_uint_eq(m.minor, 2);
	ck_assert_str_eq(m.root, "/home/me/My Files");
	ck_assert_str_eq(m.mount_point, "/srv/my files");
	ck_assert_str_eq(m.fstype, "ext4");
	ck_assert_str_eq(m.source, "/dev/sda2");
	ck_assert_str_eq(m.super_opts, "rw,errors=remount-ro");
	ck_assert_int_eq(jl_cg_mountinfo_parse_line(l2, &m), 0);
	ck_assert_str_eq(m.mount_point, "/sys/fs/cgroup/cpu,cpuacct");
	ck_assert(jl_cg_has_opt(m.super_opts, "cpu"));
	ck_assert(jl_cg_has_opt(m.super_opts, "cpuacct"));
	ck_assert(!jl_cg_has_opt(m.super_opts, "cpuset"));
	ck_assert_int_eq(jl_cg_mountinfo_parse_line(bad, &m), -EINVAL);
	{
		char *up =
			jl_cg_opt_dup("rw,lowerdir=/a:/b,upperdir=/u/diff,workdir=/w", "upperdir");

		ck_assert_str_eq(up, "/u/diff");
		free(up);
		ck_assert_ptr_null(jl_cg_opt_dup("rw,lowerdir=/a", "upperdir"));
	}
}
END_TEST

START_TEST(layout_hybrid_comounted)
{
	struct jl_cg_layout lay;
	struct joblet_error *e = NULL;

	ck_assert_int_eq(jl_cg_layout_load(fixture("mountinfo-hybrid"), &lay, &e), 0);
	ck_assert_str_eq(lay.v1_mount[JL_CG_V1_CPU], "/sys/fs/cgroup/cpu,cpuacct");
	ck_assert_str_eq(lay.v1_mount[JL_CG_V1_CPUACCT], "/sys/fs/cgroup/cpu,cpuacct");
	ck_assert_str_eq(lay.v1_mount[JL_CG_V1_CPUSET], "/sys/fs/cgroup/cpuset");
	ck_assert_str_eq(lay.v1_mount[JL_CG_V1_MEMORY], "/sys/fs/cgroup/memory");
	ck_assert_str_eq(lay.v1_mount[JL_CG_V1_BLKIO], "/sys/fs/cgroup/blkio");
	ck_assert_str_eq(lay.v1_mount[JL_CG_V1_PIDS], "/sys/fs/cgroup/pids");
	ck_assert_str_eq(lay.v1_mount[JL_CG_V1_FREEZER], "/sys/fs/cgroup/freezer");
	ck_assert_uint_eq(lay.n_v2, 1);
	ck_assert_str_eq(lay.v2_mount[0], "/sys/fs/cgroup/unified");
	jl_cg_layout_free(&lay);
}
END_TEST

START_TEST(layout_split_and_v2)
{
	struct jl_cg_layout lay;
	struct joblet_error *e = NULL;

	/* This project's build hosts: cpu and cpuacct apart; memory also bound elsewhere. */
	ck_assert_int_eq(jl_cg_layout_load(fixture("mountinfo-v1-split"), &lay, &e), 0);
	ck_assert_str_eq(lay.v1_mount[JL_CG_V1_CPU], "/sys/fs/cgroup/cpu");
	ck_assert_str_eq(lay.v1_mount[JL_CG_V1_CPUACCT], "/sys/fs/cgroup/cpuacct");
	ck_assert_str_eq(lay.v1_mount[JL_CG_V1_MEMORY], "/sys/fs/cgroup/memory");
	ck_assert_str_eq(lay.v1_mount[JL_CG_V1_FREEZER], "/sys/fs/cgroup/freezer");
	ck_assert_uint_eq(lay.n_v2, 1);
	ck_assert_str_eq(lay.v2_mount[0], "/sys/fs/cgroup/unified");
	jl_cg_layout_free(&lay);

	ck_assert_int_eq(jl_cg_layout_load(fixture("mountinfo-v2"), &lay, &e), 0);
	for (int i = 0; i < JL_CG_V1_N; i++)
		ck_assert_ptr_null(lay.v1_mount[i]);
	ck_assert_uint_eq(lay.n_v2, 1);
	ck_assert_str_eq(lay.v2_mount[0], "/sys/fs/cgroup");
	jl_cg_layout_free(&lay);

	ck_assert_int_eq(jl_cg_layout_load(jl_tmp_path("none"), &lay, &e), -JOBLET_E_IO);
	joblet_error_free(e);
}
END_TEST

START_TEST(relative_paths)
{
	ck_assert(jl_cg_rel_path_ok("joblet"));
	ck_assert(jl_cg_rel_path_ok("joblet.slice"));
	ck_assert(jl_cg_rel_path_ok("system.slice/joblet.service/jobs"));
	ck_assert(jl_cg_rel_path_ok("joblet-test-123"));
	ck_assert(!jl_cg_rel_path_ok(""));
	ck_assert(!jl_cg_rel_path_ok("/sys/fs/cgroup/x"));
	ck_assert(!jl_cg_rel_path_ok(".."));
	ck_assert(!jl_cg_rel_path_ok("a/../../b"));
	ck_assert(!jl_cg_rel_path_ok("a//b"));
	ck_assert(!jl_cg_rel_path_ok("a/"));
	ck_assert(!jl_cg_rel_path_ok("a/./b"));
	ck_assert(!jl_cg_rel_path_ok("a b"));
	ck_assert(!jl_cg_rel_path_ok("a\nb"));
}
END_TEST

/* ------------------------------------------------------------------ cgroup files */

static const char *const v2_files[] = { "cpu.max",	    "memory.max",  "memory.swap.max",
					"memory.oom.group", "io.max",	   "pids.max",
					"cpuset.cpus",	    "cpuset.mems", NULL };

START_TEST(v2_writes_limits)
{
	struct jl_cg_limits l = { .cpu_percent = 50,
				  .memory_mib = 64,
				  .io_bps = 1048576,
				  .pids = 20,
				  .cpus = "0-1",
				  .mems = "0" };
	struct jl_cg_devs devs = { .dev = { { 8, 16 } }, .n = 1 };
	struct joblet_error *e = NULL;
	int fd;

	offer("job", v2_files);
	fd = open_dir("job");
	ck_assert_msg(cgroup2_write_limits(fd, "/cg/job", &l, &devs, &e) == 0, "%s",
		      joblet_error_message(e));
	ck_assert_str_eq(get("job/cpu.max"), "50000 100000");
	ck_assert_str_eq(get("job/memory.max"), "67108864");
	ck_assert_str_eq(get("job/memory.swap.max"), "0");
	ck_assert_str_eq(get("job/memory.oom.group"), "1");
	ck_assert_str_eq(get("job/io.max"), "8:16 rbps=1048576 wbps=1048576");
	ck_assert_str_eq(get("job/pids.max"), "20");
	ck_assert_str_eq(get("job/cpuset.cpus"), "0-1");
	ck_assert_str_eq(get("job/cpuset.mems"), "0");
	close(fd);
}
END_TEST

START_TEST(v2_unlimited_writes_nothing)
{
	struct jl_cg_limits l = { 0 };
	struct joblet_error *e = NULL;
	int fd;

	offer("job", v2_files);
	fd = open_dir("job");
	ck_assert_int_eq(cgroup2_write_limits(fd, "/cg/job", &l, NULL, &e), 0);
	for (const char *const *f = v2_files; *f; f++) {
		char p[256];

		snprintf(p, sizeof(p), "job/%s", *f);
		ck_assert_str_eq(get(p), strcmp(*f, "memory.oom.group") == 0 ? "1" : "");
	}
	close(fd);
}
END_TEST

START_TEST(v2_missing_controller_refused)
{
	struct jl_cg_limits l = { .cpu_percent = 20 };
	struct joblet_error *e = NULL;
	int fd;

	/* A job cgroup without the cpu controller has no cpu.max. */
	offer("job", (const char *const[]){ "memory.max", "pids.max", NULL });
	fd = open_dir("job");
	ck_assert_int_eq(cgroup2_write_limits(fd, "/cg/job", &l, NULL, &e), -JOBLET_E_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(e->message, "cannot limit CPU to 20% of a core"));
	ck_assert_ptr_nonnull(strstr(e->message, "`20000 100000` to `/cg/job/cpu.max`"));
	ck_assert_ptr_nonnull(strstr(e->message, "controller is not enabled"));
	ck_assert_int_eq(e->saved_errno, ENOENT);
	joblet_error_clear(&e);

	/* No memory.swap.max: fine without swap, refused with it. */
	l = (struct jl_cg_limits){ .memory_mib = 32 };
	ck_assert_int_eq(cgroup2_write_limits(fd, "/cg/job", &l, NULL, &e), 0);
	ck_assert_str_eq(get("job/memory.max"), "33554432");
	l.host_has_swap = true;
	ck_assert_int_eq(cgroup2_write_limits(fd, "/cg/job", &l, NULL, &e), -JOBLET_E_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(e->message, "memory.swap.max"));
	ck_assert_ptr_nonnull(strstr(e->message, "swap"));
	joblet_error_clear(&e);

	/* An IO limit with no device to put it on is a bug, not an unlimited job. */
	l = (struct jl_cg_limits){ .io_bps = 1000 };
	ck_assert_int_eq(cgroup2_write_limits(fd, "/cg/job", &l, NULL, &e), -JOBLET_E_INTERNAL);
	joblet_error_clear(&e);
	close(fd);
}
END_TEST

START_TEST(v2_reads_usage)
{
	struct joblet_job_usage u = { sizeof(u) };
	uint64_t peak = 0;
	int32_t oom = -1;
	int fd;

	put("job/cpu.stat", "usage_usec 2000000\nuser_usec 1500000\nsystem_usec 500000\n");
	put("job/memory.current", "104857600\n");
	put("job/pids.current", "3\n");
	put("job/io.stat", "8:16 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n");
	put("job/memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\noom_group_kill 1\n");
	fd = open_dir("job");
	cgroup2_read_usage(fd, &u, &peak);
	ck_assert_uint_eq(u.cpu_usec, 2000000);
	ck_assert_uint_eq(u.memory_bytes, 104857600);
	ck_assert_uint_eq(u.pids, 3);
	ck_assert_uint_eq(u.io_read_bytes, 4096);
	ck_assert_uint_eq(u.io_write_bytes, 8192);
	/* No memory.peak (kernel < 5.19): the highest memory.current seen. */
	ck_assert_uint_eq(u.memory_peak_bytes, 104857600);
	put("job/memory.current", "1048576\n");
	cgroup2_read_usage(fd, &u, &peak);
	ck_assert_uint_eq(u.memory_bytes, 1048576);
	ck_assert_uint_eq(u.memory_peak_bytes, 104857600);
	/* With memory.peak, the kernel's figure. */
	put("job/memory.peak", "209715200\n");
	cgroup2_read_usage(fd, &u, &peak);
	ck_assert_uint_eq(u.memory_peak_bytes, 209715200);

	ck_assert_int_eq(cgroup2_read_oom(fd, &oom), 0);
	ck_assert_int_eq(oom, 1);
	put("job/memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
	ck_assert_int_eq(cgroup2_read_oom(fd, &oom), 0);
	ck_assert_int_eq(oom, 0);
	/* Before oom_kill existed: the `oom` count. */
	put("job/memory.events", "low 0\nhigh 0\nmax 2\noom 2\n");
	ck_assert_int_eq(cgroup2_read_oom(fd, &oom), 0);
	ck_assert_int_eq(oom, 1);
	unlink(jl_tmp_path("job/memory.events"));
	ck_assert_int_eq(cgroup2_read_oom(fd, &oom), -ENOENT);
	close(fd);
}
END_TEST

static const char *const v1_cpu[] = { "cpu.cfs_period_us", "cpu.cfs_quota_us", "cpuacct.usage",
				      NULL };
static const char *const v1_mem[] = { "memory.limit_in_bytes", "memory.memsw.limit_in_bytes",
				      "memory.swappiness", NULL };
static const char *const v1_blkio[] = { "blkio.throttle.read_bps_device",
					"blkio.throttle.write_bps_device", NULL };
static const char *const v1_pids[] = { "pids.max", NULL };
static const char *const v1_cpuset[] = { "cpuset.cpus", "cpuset.mems", NULL };

/* Job folders of a v1 host with cpu,cpuacct comounted; which selects the controllers. */
static void v1_dirs(struct cgroup1_dirs *d, unsigned which)
{
	static const char *const rel[JL_CG_V1_N] = {
		[JL_CG_V1_CPU] = "cpu,cpuacct/joblet/job",
		[JL_CG_V1_CPUACCT] = "cpu,cpuacct/joblet/job",
		[JL_CG_V1_CPUSET] = "cpuset/joblet/job",
		[JL_CG_V1_MEMORY] = "memory/joblet/job",
		[JL_CG_V1_BLKIO] = "blkio/joblet/job",
		[JL_CG_V1_PIDS] = "pids/joblet/job",
		[JL_CG_V1_FREEZER] = "freezer/joblet/job",
	};

	offer(rel[JL_CG_V1_CPU], v1_cpu);
	offer(rel[JL_CG_V1_MEMORY], v1_mem);
	offer(rel[JL_CG_V1_BLKIO], v1_blkio);
	offer(rel[JL_CG_V1_PIDS], v1_pids);
	offer(rel[JL_CG_V1_CPUSET], v1_cpuset);
	mkdirs(rel[JL_CG_V1_FREEZER]);
	for (int i = 0; i < JL_CG_V1_N; i++) {
		d->fd[i] = (which & (1u << i)) ? open_dir(rel[i]) : -1;
		d->path[i] = rel[i];
	}
}

static void v1_close(struct cgroup1_dirs *d)
{
	for (int i = 0; i < JL_CG_V1_N; i++)
		if (d->fd[i] >= 0)
			close(d->fd[i]);
}

START_TEST(v1_writes_limits)
{
	struct jl_cg_limits l = {
		.cpu_percent = 250, .memory_mib = 32, .io_bps = 1048576, .pids = 20, .mems = "0"
	};
	struct jl_cg_devs devs = { .dev = { { 8, 16 } }, .n = 1 };
	struct cgroup1_dirs d;
	struct joblet_error *e = NULL;

	v1_dirs(&d, 0x7f);
	ck_assert_msg(cgroup1_write_limits(&d, &l, &devs, "0-3", &e) == 0, "%s",
		      joblet_error_message(e));
	ck_assert_str_eq(get("cpu,cpuacct/joblet/job/cpu.cfs_period_us"), "100000");
	ck_assert_str_eq(get("cpu,cpuacct/joblet/job/cpu.cfs_quota_us"), "250000");
	ck_assert_str_eq(get("memory/joblet/job/memory.limit_in_bytes"), "33554432");
	ck_assert_str_eq(get("memory/joblet/job/memory.memsw.limit_in_bytes"), "33554432");
	ck_assert_str_eq(get("memory/joblet/job/memory.swappiness"), "0");
	ck_assert_str_eq(get("blkio/joblet/job/blkio.throttle.read_bps_device"), "8:16 1048576");
	ck_assert_str_eq(get("blkio/joblet/job/blkio.throttle.write_bps_device"), "8:16 1048576");
	ck_assert_str_eq(get("pids/joblet/job/pids.max"), "20");
	/* No --cpu-cores: a v1 cpuset starts empty, so the parent's CPUs. */
	ck_assert_str_eq(get("cpuset/joblet/job/cpuset.cpus"), "0-3");
	ck_assert_str_eq(get("cpuset/joblet/job/cpuset.mems"), "0");
	v1_close(&d);
}
END_TEST

START_TEST(v1_pins_cpus)
{
	struct jl_cg_limits l = { .pids = 5, .cpus = "1", .mems = "0" };
	struct cgroup1_dirs d;
	struct joblet_error *e = NULL;

	v1_dirs(&d, 0x7f);
	ck_assert_int_eq(cgroup1_write_limits(&d, &l, NULL, "0-3", &e), 0);
	ck_assert_str_eq(get("cpuset/joblet/job/cpuset.cpus"), "1");
	ck_assert_str_eq(get("cpuset/joblet/job/cpuset.mems"), "0");
	ck_assert_str_eq(get("cpu,cpuacct/joblet/job/cpu.cfs_quota_us"), "");
	ck_assert_str_eq(get("memory/joblet/job/memory.limit_in_bytes"), "");
	/* The parent has no memory nodes: refused, not an empty cpuset. */
	l.mems = "";
	ck_assert_int_eq(cgroup1_write_limits(&d, &l, NULL, "0-3", &e), -JOBLET_E_INVALID);
	ck_assert_ptr_nonnull(strstr(e->message, "cpuset.mems"));
	joblet_error_free(e);
	v1_close(&d);
}
END_TEST

START_TEST(v1_unmounted_controller_refused)
{
	struct cgroup1_dirs d;
	struct joblet_error *e = NULL;
	struct jl_cg_limits l = { .cpu_percent = 20 };
	struct jl_cg_devs devs = { .dev = { { 8, 16 } }, .n = 1 };

	/* Everything but cpu and blkio. */
	v1_dirs(&d,
		0x7f & ~((1u << JL_CG_V1_CPU) | (1u << JL_CG_V1_BLKIO) | (1u << JL_CG_V1_CPUSET)));
	ck_assert_int_eq(cgroup1_write_limits(&d, &l, NULL, NULL, &e), -JOBLET_E_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(e->message, "`cpu` controller is not mounted"));
	ck_assert_ptr_nonnull(strstr(e->message, "--max-cpu"));
	joblet_error_clear(&e);
	l = (struct jl_cg_limits){ .io_bps = 100 };
	ck_assert_int_eq(cgroup1_write_limits(&d, &l, &devs, NULL, &e), -JOBLET_E_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(e->message, "`blkio` controller"));
	joblet_error_clear(&e);
	l = (struct jl_cg_limits){ .cpus = "0" };
	ck_assert_int_eq(cgroup1_write_limits(&d, &l, NULL, NULL, &e), -JOBLET_E_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(e->message, "`cpuset` controller"));
	joblet_error_clear(&e);
	v1_close(&d);
}
END_TEST

START_TEST(v1_swap_accounting)
{
	struct cgroup1_dirs d;
	struct joblet_error *e = NULL;
	struct jl_cg_limits l = { .memory_mib = 16 };

	v1_dirs(&d, 1u << JL_CG_V1_MEMORY);
	unlink(jl_tmp_path("memory/joblet/job/memory.memsw.limit_in_bytes"));
	unlink(jl_tmp_path("memory/joblet/job/memory.swappiness"));
	ck_assert_int_eq(cgroup1_write_limits(&d, &l, NULL, NULL, &e), 0);
	ck_assert_str_eq(get("memory/joblet/job/memory.limit_in_bytes"), "16777216");
	l.host_has_swap = true;
	ck_assert_int_eq(cgroup1_write_limits(&d, &l, NULL, NULL, &e), -JOBLET_E_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(e->message, "memory.memsw.limit_in_bytes"));
	joblet_error_free(e);
	v1_close(&d);
}
END_TEST

START_TEST(v1_reads_usage)
{
	struct joblet_job_usage u = { sizeof(u) };
	struct cgroup1_dirs d;
	int32_t oom = -1;

	v1_dirs(&d, 0x7f);
	put("cpu,cpuacct/joblet/job/cpuacct.usage", "2500000000\n");
	put("memory/joblet/job/memory.usage_in_bytes", "1048576\n");
	put("memory/joblet/job/memory.max_usage_in_bytes", "33554432\n");
	put("pids/joblet/job/pids.current", "2\n");
	put("blkio/joblet/job/blkio.throttle.io_service_bytes",
	    "8:16 Read 4096\n8:16 Write 8192\n8:16 Sync 12288\n8:16 Async 0\n8:16 Discard 0\n"
	    "8:16 Total 12288\n254:0 Read 1\n254:0 Write 2\nTotal 12291\n");
	put("memory/joblet/job/memory.oom_control",
	    "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
	cgroup1_read_usage(&d, &u);
	ck_assert_uint_eq(u.cpu_usec, 2500000);
	ck_assert_uint_eq(u.memory_bytes, 1048576);
	ck_assert_uint_eq(u.memory_peak_bytes, 33554432);
	ck_assert_uint_eq(u.pids, 2);
	ck_assert_uint_eq(u.io_read_bytes, 4097);
	ck_assert_uint_eq(u.io_write_bytes, 8194);
	ck_assert_int_eq(cgroup1_read_oom(&d, &oom), 0);
	ck_assert_int_eq(oom, 1);
	/* Before 4.13 there is no counter: the plugin falls back to the eventfd. */
	put("memory/joblet/job/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n");
	ck_assert_int_eq(cgroup1_read_oom(&d, &oom), -ENOENT);
	v1_close(&d);
}
END_TEST

START_TEST(write_error_is_precise)
{
	struct joblet_error *e = NULL;
	int fd;

	mkdirs("job");
	fd = open_dir("job");
	ck_assert_int_eq(jl_cg_write(fd, "/sys/fs/cgroup/x/job", "io.max", "8:16 rbps=1", &e),
			 -JOBLET_E_UNSUPPORTED);
	ck_assert_str_eq(
		e->message,
		"cannot write `8:16 rbps=1` to `/sys/fs/cgroup/x/job/io.max` (the file does not exist: its controller is not enabled for this cgroup, or this kernel lacks the feature): No such file or directory");
	joblet_error_clear(&e);
	ck_assert_int_eq(jl_cg_write_raw(fd, "io.max", "x"), -ENOENT);
	/* A symlink planted in place of a cgroup file is not followed. */
	jl_tmp_write("victim", "keep me");
	ck_assert_int_eq(symlink(jl_tmp_path("victim"), jl_tmp_path("job/pids.max")), 0);
	ck_assert_int_eq(jl_cg_write_raw(fd, "pids.max", "1"), -ELOOP);
	ck_assert_str_eq(get("victim"), "keep me");
	close(fd);
}
END_TEST

START_TEST(signal_listed_processes)
{
	char text[128];
	pid_t child = fork();
	size_t n = 0;
	int st, fd;

	ck_assert_int_ge(child, 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	/* The child, init and ourselves: only the child may be signalled. */
	snprintf(text, sizeof(text), "%d\n1\n%d\n", (int)child, (int)getpid());
	put("job/cgroup.procs", text);
	fd = open_dir("job");
	ck_assert_int_eq(jl_cg_signal_procs(fd, SIGKILL, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(waitpid(child, &st, 0), child);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	ck_assert(!jl_cg_is_empty(fd));
	put("job/cgroup.procs", "");
	ck_assert(jl_cg_is_empty(fd));
	put("job/cgroup.events", "populated 1\nfrozen 0\n");
	ck_assert(!jl_cg_is_empty(fd));
	put("job/cgroup.events", "populated 0\nfrozen 0\n");
	ck_assert(jl_cg_is_empty(fd));
	close(fd);
}
END_TEST

START_TEST(rmdir_waits_for_empty)
{
	struct joblet_error *e = NULL;
	int64_t t0;
	pid_t child;
	int parent, st;

	mkdirs("base");
	parent = open_dir("base");
	/* Gone already: fine. */
	ck_assert_int_eq(jl_cg_rmdir_wait(parent, "/cg/base", "none", 1000, &e), 0);

	/* Still populated at the deadline: an error naming the cgroup, after the wait. */
	put("base/job/cgroup.events", "populated 1\n");
	t0 = jl_cg_now_ms();
	ck_assert_int_lt(jl_cg_rmdir_wait(parent, "/cg/base", "job", 200, &e), 0);
	ck_assert_int_ge(jl_cg_now_ms() - t0, 200);
	ck_assert_ptr_nonnull(strstr(e->message, "`/cg/base/job`"));
	joblet_error_clear(&e);

	/* Emptied (by another process) while we wait: removed. */
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		/* (On cgroupfs the files vanish with the folder; here they must go first.) */
		usleep(150 * 1000);
		unlink(jl_tmp_path("base/job/cgroup.events"));
		_exit(0);
	}
	t0 = jl_cg_now_ms();
	ck_assert_msg(jl_cg_rmdir_wait(parent, "/cg/base", "job", 5000, &e) == 0, "%s",
		      joblet_error_message(e));
	ck_assert_int_ge(jl_cg_now_ms() - t0, 150);
	ck_assert_int_lt(jl_cg_now_ms() - t0, 4000);
	ck_assert_int_ne(access(jl_tmp_path("base/job"), F_OK), 0);
	waitpid(child, &st, 0);
	close(parent);
}
END_TEST

static Suite *cgroup_suite(void)
{
	Suite *s = suite_create("cgroup");
	TCase *tc = tcase_create("cgroup");

	tcase_add_checked_fixture(tc, jl_tmp_setup, jl_tmp_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, cpu_max_strings);
	tcase_add_test(tc, cfs_quota);
	tcase_add_test(tc, device_lines);
	tcase_add_test(tc, swap_detection);
	tcase_add_test(tc, partition_is_its_disk);
	tcase_add_test(tc, dm_follows_slaves);
	tcase_add_test(tc, not_a_block_device);
	tcase_add_test(tc, non_block_fs_refused);
	jl_tcase_add_root(tc, anonymous_fs_by_source_device);
	tcase_add_test(tc, real_storage);
	tcase_add_test(tc, flat_keyed);
	tcase_add_test(tc, nested_keyed);
	tcase_add_test(tc, mountinfo_lines);
	tcase_add_test(tc, layout_hybrid_comounted);
	tcase_add_test(tc, layout_split_and_v2);
	tcase_add_test(tc, relative_paths);
	tcase_add_test(tc, v2_writes_limits);
	tcase_add_test(tc, v2_unlimited_writes_nothing);
	tcase_add_test(tc, v2_missing_controller_refused);
	tcase_add_test(tc, v2_reads_usage);
	tcase_add_test(tc, v1_writes_limits);
	tcase_add_test(tc, v1_pins_cpus);
	tcase_add_test(tc, v1_unmounted_controller_refused);
	tcase_add_test(tc, v1_swap_accounting);
	tcase_add_test(tc, v1_reads_usage);
	tcase_add_test(tc, write_error_is_precise);
	tcase_add_test(tc, signal_listed_processes);
	tcase_add_test(tc, rmdir_waits_for_empty);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(cgroup_suite());
}

/*
 * test_host.c - jl_host_probe() against what the test reads itself
 * from the kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/syscall.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>

#include <joblet/error.h>

#include "config/host.h"

#include "jl_test.h"

static struct jl_host_info *probe(void)
{
	struct jl_host_info *h = NULL;
	struct joblet_error *e = NULL;

	ck_assert_msg(jl_host_probe(&h, &e) == 0, "%s", joblet_error_message(e));
	return h;
}

START_TEST(test_identity)
{
	struct jl_host_info *h = probe();
	struct utsname u;

	uname(&u);
	ck_assert_str_eq(h->kernel_release, u.release);
	ck_assert_str_eq(h->machine, u.machine);
	ck_assert_int_eq(h->privileged, geteuid() == 0);
	jl_host_info_free(h);
}
END_TEST

START_TEST(test_cgroup_mode_matches_statfs)
{
	struct jl_host_info *h = probe();
	struct statfs sf;

	ck_assert_int_eq(statfs("/sys/fs/cgroup", &sf), 0);
	if (sf.f_type == CGROUP2_SUPER_MAGIC) {
		ck_assert_int_eq(h->cgroup_mode, JL_CGROUP_V2);
		ck_assert_str_eq(h->cgroup2_mount, "/sys/fs/cgroup");
	} else if (statfs("/sys/fs/cgroup/unified", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC) {
		ck_assert_int_eq(h->cgroup_mode, JL_CGROUP_HYBRID);
		ck_assert_str_eq(h->cgroup2_mount, "/sys/fs/cgroup/unified");
	} else
		ck_assert_int_ne(h->cgroup_mode, JL_CGROUP_V2);
	if (h->cgroup_mode == JL_CGROUP_V1 || h->cgroup_mode == JL_CGROUP_HYBRID) {
		/* Every v1 controller the probe lists is a mounted hierarchy. */
		for (char **c = h->cgroup1_controllers; *c; c++) {
			char path[256];
			struct statfs cs;
			int found = 0;

			snprintf(path, sizeof(path), "/sys/fs/cgroup/%s", *c);
			found = statfs(path, &cs) == 0 && cs.f_type == CGROUP_SUPER_MAGIC;
			if (!found) {
				/* Co-mounted controllers (cpu,cpuacct) may only have a combined
				 * folder. */
				FILE *f = fopen("/proc/self/mountinfo", "r");
				char line[1024];

				while (f && fgets(line, sizeof(line), f))
					if (strstr(line, " - cgroup ") && strstr(line, *c))
						found = 1;
				if (f)
					fclose(f);
			}
			ck_assert_msg(found, "controller %s is not mounted", *c);
		}
	}
	jl_host_info_free(h);
}
END_TEST

START_TEST(test_cgroup2_controllers_match_the_file)
{
	struct jl_host_info *h = probe();
	char path[512], line[1024] = "";
	FILE *f;
	size_t n = 0;

	if (!h->cgroup2_mount) {
		jl_host_info_free(h);
		return;
	}
	snprintf(path, sizeof(path), "%s/cgroup.controllers", h->cgroup2_mount);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	char *save = NULL;
	for (char *w = strtok_r(line, " \n", &save); w; w = strtok_r(NULL, " \n", &save), n++)
		ck_assert_str_eq(h->cgroup2_controllers[n], w);
	ck_assert_ptr_null(h->cgroup2_controllers[n]);
	jl_host_info_free(h);
}
END_TEST

START_TEST(test_namespaces_present)
{
	struct jl_host_info *h = probe();

	for (uint32_t bit = 1; bit & JL_NS_ALL; bit <<= 1) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/self/ns/%s", jl_host_ns_name(bit));
		ck_assert_int_eq(!!(h->ns_present & bit), access(path, F_OK) == 0);
	}
	ck_assert_ptr_null(jl_host_ns_name(0));
	ck_assert_str_eq(jl_host_cgroup_mode_name(JL_CGROUP_HYBRID), "hybrid");
	jl_host_info_free(h);
}
END_TEST

START_TEST(test_namespaces_usable_as_root)
{
	struct jl_host_info *h = probe();

	ck_assert_int_eq(h->ns_tested, 1);
	ck_assert_uint_eq(h->ns_usable & ~h->ns_present, 0);
	/* joblet's jobs need these; the machines it is built on have them. */
	ck_assert(h->ns_usable & JL_NS_MNT);
	ck_assert(h->ns_usable & JL_NS_PID);
	ck_assert(h->ns_usable & JL_NS_NET);
	jl_host_info_free(h);
}
END_TEST

START_TEST(test_features_follow_the_kernel_version)
{
	struct jl_host_info *h = probe();
	int major = 0, minor = 0;

	/*
	 * Under valgrind, syscalls it does not know (openat2 in 3.19) fail
	 * with ENOSYS whatever the kernel: then the probe must agree with
	 * what this process can actually call.
	 */
	if (syscall(SYS_openat2, AT_FDCWD, "/", NULL, 0) < 0 && errno == ENOSYS) {
		ck_assert(!(h->features & JL_FEATURE_OPENAT2));
		jl_host_info_free(h);
		return;
	}
	sscanf(h->kernel_release, "%d.%d", &major, &minor);
	if (major > 5 || (major == 5 && minor >= 6))
		ck_assert(h->features & JL_FEATURE_OPENAT2);
	if (major > 5 || (major == 5 && minor >= 3))
		ck_assert(h->features & JL_FEATURE_CLONE3);
	if (major > 5 || (major == 5 && minor >= 3))
		ck_assert(h->features & JL_FEATURE_PIDFD);
	jl_host_info_free(h);
}
END_TEST

static Suite *host_suite(void)
{
	Suite *s = suite_create("host");
	TCase *tc = tcase_create("probe");

	tcase_add_test(tc, test_identity);
	tcase_add_test(tc, test_cgroup_mode_matches_statfs);
	tcase_add_test(tc, test_cgroup2_controllers_match_the_file);
	tcase_add_test(tc, test_namespaces_present);
	jl_tcase_add_root(tc, test_namespaces_usable_as_root);
	tcase_add_test(tc, test_features_follow_the_kernel_version);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(host_suite());
}

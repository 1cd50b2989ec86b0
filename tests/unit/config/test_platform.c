/*
 * test_platform.c - the registry platform of a host
 * (core/lib/config/platform.c), with os-release files in
 * tests/fixtures/os-release/.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "config/platform.h"
#include "base/util.h"

#include "jl_test.h"
#include "jl_tmp.h"

/* ------------------------------------------------------------ platform */

static const char supported[] =
	"runtime registries know ubuntu (Debian family), rhel (RHEL family) and amzn on amd64 or arm64";

static char *fixture(const char *name)
{
	char *p = jl_strdup_printf("%s/tests/fixtures/os-release/%s",
				   jl_test_env("JOBLET_TEST_SRCDIR"), name);

	ck_assert_ptr_nonnull(p);
	return p;
}

/* Detect from a file; expected NULL means JOBLET_E_UNSUPPORTED with `message`. */
static void detect(const char *path, const char *machine, const char *expected, const char *message)
{
	static char sentinel[] = "sentinel";
	struct joblet_error *e = NULL;
	char *platform = sentinel;
	int r = jl_platform_detect(path, machine, &platform, &e);

	if (expected) {
		ck_assert_msg(r == 0, "`%s` on %s: %s", path, machine, joblet_error_message(e));
		ck_assert_ptr_null(e);
		ck_assert_msg(strcmp(platform, expected) == 0, "`%s` on %s: %s, not %s", path,
			      machine, platform, expected);
		ck_assert(jl_platform_valid(platform));
		free(platform);
		return;
	}
	ck_assert_msg(r == -JOBLET_E_UNSUPPORTED, "`%s` on %s: r=%d (%s)", path, machine, r,
		      r == 0 ? platform : joblet_error_message(e));
	ck_assert_ptr_eq(platform, sentinel);
	ck_assert_int_eq(e->code, JOBLET_E_UNSUPPORTED);
	if (message)
		ck_assert_msg(strcmp(e->message, message) == 0, "`%s` on %s:\n%s\nnot\n%s", path,
			      machine, e->message, message);
	ck_assert_ptr_nonnull(strstr(e->message, supported));
	joblet_error_free(e);
	ck_assert_int_eq(jl_platform_detect(path, machine, &platform, NULL), -JOBLET_E_UNSUPPORTED);
}

START_TEST(test_platform_fixtures)
{
	static const struct {
		const char *file;
		const char *family; /* NULL: unsupported */
	} cases[] = {
		{ "debian-12", "ubuntu" },
		{ "ubuntu-22.04", "ubuntu" },
		{ "linuxmint-21", "ubuntu" },
		{ "pop-22.04", "ubuntu" },
		{ "raspbian-11", "ubuntu" },
		{ "rocky-9", "rhel" },
		{ "almalinux-9", "rhel" },
		{ "fedora-39", "rhel" },
		{ "ol-9", "rhel" },
		{ "centos-stream-9", "rhel" },
		{ "amzn-2023", "amzn" }, /* ID_LIKE=fedora, but ID comes first */
		{ "amzn-2", "amzn" },
		{ "quoted", "rhel" },
		{ "hostile-unterminated", "ubuntu" },
		{ "alpine-3.19", NULL },
		{ "opensuse-leap-15", NULL },
		{ "missing-id", NULL },
	};
	static const struct {
		const char *machine;
		const char *arch; /* NULL: unsupported */
	} machines[] = {
		{ "x86_64", "amd64" }, { "aarch64", "arm64" }, { "arm64", "arm64" },
		{ "riscv64", NULL },   { "i686", NULL },       { "amd64", NULL },
		{ "armv7l", NULL },    { "", NULL },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *path = fixture(cases[i].file);

		for (size_t j = 0; j < ELEMENTSOF(machines); j++) {
			_cleanup_free_ char *expected = NULL;

			if (cases[i].family && machines[j].arch)
				expected = jl_strdup_printf("%s-%s", cases[i].family,
							    machines[j].arch);
			detect(path, machines[j].machine, expected, NULL);
		}
	}
}
END_TEST

START_TEST(test_platform_messages)
{
	_cleanup_free_ char *alpine = fixture("alpine-3.19"), *debian = fixture("debian-12");
	_cleanup_free_ char *suse = fixture("opensuse-leap-15"), *none = fixture("missing-id");
	_cleanup_free_ char *quoted = fixture("quoted"), *m1 = NULL, *m2 = NULL, *m3 = NULL;
	_cleanup_free_ char *m4 = NULL, *m5 = NULL;

	m1 = jl_strdup_printf("this host is `alpine` on `x86_64`; %s", supported);
	detect(alpine, "x86_64", NULL, m1);
	m2 = jl_strdup_printf("this host is `debian` on `riscv64`; %s", supported);
	detect(debian, "riscv64", NULL, m2);
	m3 = jl_strdup_printf(
		"this host is `opensuse-leap` (like `suse opensuse`) on `aarch64`; %s", supported);
	detect(suse, "aarch64", NULL, m3);
	m4 = jl_strdup_printf("this host is `linux` on `x86_64`; %s", supported);
	detect(none, "x86_64", NULL, m4);
	/* Quotes and escapes decoded as a shell would. */
	m5 = jl_strdup_printf("this host is `my\"os\\2` (like `centos  \"rhel\"`) on `riscv64`; %s",
			      supported);
	detect(quoted, "riscv64", NULL, m5);
}
END_TEST

START_TEST(test_platform_os_release_syntax)
{
	/* CRLF line ends. */
	detect(jl_tmp_write("crlf", "NAME=\"x\"\r\nID=\"debian\"\r\nVERSION_ID=1\r\n"), "x86_64",
	       "ubuntu-amd64", NULL);
	/* The last assignment wins, as in a shell. */
	detect(jl_tmp_write("twice", "ID=alpine\nID=rocky\n"), "x86_64", "rhel-amd64", NULL);
	/* No newline at the end. */
	detect(jl_tmp_write("nonl", "ID=amzn"), "aarch64", "amzn-arm64", NULL);
	/* Single quotes keep backslashes; an unquoted backslash escapes. */
	detect(jl_tmp_write("single", "ID='ub\\untu'\n"), "x86_64", NULL,
	       "this host is `ub\\untu` on `x86_64`; runtime registries know ubuntu (Debian family), rhel (RHEL family) and amzn on amd64 or arm64");
	detect(jl_tmp_write("unquoted", "ID=ub\\untu\n"), "x86_64", "ubuntu-amd64", NULL);
	/* A backslash-newline inside double quotes joins the lines. */
	detect(jl_tmp_write("cont", "ID=\"deb\\\nian\"\n"), "x86_64", "ubuntu-amd64", NULL);
	/* Concatenated quoted parts form one word. */
	detect(jl_tmp_write("concat", "ID='ubu'\"n\"tu\n"), "x86_64", "ubuntu-amd64", NULL);
	/* Junk lines are ignored; so is an assignment followed by more words. */
	detect(jl_tmp_write("junk", "garbage\n=x\n9ID=ubuntu\nID=alpine extra\nID ID=x\n"
				    "  ID=fedora   # comment\n\x01\xff\n"),
	       "x86_64", "rhel-amd64", NULL);
	/* ID_LIKE words in order, separated by any blanks. */
	detect(jl_tmp_write("like", "ID=mine\nID_LIKE=\"  suse\tamzn  debian \"\n"), "x86_64",
	       "amzn-amd64", NULL);
	/* Case matters: IDs are lower-case by definition. */
	detect(jl_tmp_write("case", "ID=Ubuntu\nid=ubuntu\n"), "x86_64", NULL, NULL);
	/* An empty ID is the default `linux`. */
	detect(jl_tmp_write("emptyid", "ID=\nID_LIKE=\n"), "x86_64", NULL,
	       "this host is `linux` on `x86_64`; runtime registries know ubuntu (Debian family), rhel (RHEL family) and amzn on amd64 or arm64");
	detect(jl_tmp_write("empty", ""), "x86_64", NULL, NULL);
	/* A family name inside a longer word does not count. */
	detect(jl_tmp_write("partial", "ID=ubuntuish\nID_LIKE=\"debianoid rhel9\"\n"), "x86_64",
	       NULL, NULL);
}
END_TEST

START_TEST(test_platform_unreadable)
{
	static char sentinel[] = "sentinel";
	struct joblet_error *e = NULL;
	char *platform = sentinel;
	FILE *f;

	ck_assert_int_eq(jl_platform_detect(jl_tmp_path("none"), "x86_64", &platform, &e),
			 -JOBLET_E_NOT_FOUND);
	ck_assert_ptr_nonnull(
		strstr(e->message, "cannot tell the platform of this host: cannot open `"));
	ck_assert_ptr_nonnull(strstr(e->message, "/none`"));
	joblet_error_clear(&e);
	ck_assert_int_eq(jl_platform_detect(jl_tmpdir, "x86_64", &platform, &e), -JOBLET_E_IO);
	joblet_error_clear(&e);
	/* An os-release file has a few hundred bytes; a huge one is refused. */
	f = fopen(jl_tmp_path("huge"), "w");
	ck_assert_ptr_nonnull(f);
	fputs("ID=debian\n", f);
	for (int i = 0; i < JL_OS_RELEASE_MAX_BYTES / 8; i++)
		fputs("#padding", f);
	fclose(f);
	ck_assert_int_eq(jl_platform_detect(jl_tmp_path("huge"), "x86_64", &platform, &e),
			 -JOBLET_E_LIMIT);
	joblet_error_clear(&e);
	ck_assert_ptr_eq(platform, sentinel);
}
END_TEST

START_TEST(test_platform_valid)
{
	static const char *const good[] = {
		"ubuntu-amd64", "ubuntu-arm64", "rhel-amd64",
		"rhel-arm64",	"amzn-amd64",	"amzn-arm64",
	};
	static const char *const bad[] = {
		"",
		"ubuntu",
		"amd64",
		"debian-amd64",
		"ubuntu-x86_64",
		"Ubuntu-amd64",
		"ubuntu-amd64 ",
		" ubuntu-amd64",
		"ubuntu_amd64",
		"ubuntu-amd64-x",
		"rhel-arm64\n",
		"amzn-riscv64",
	};

	for (size_t i = 0; i < ELEMENTSOF(good); i++)
		ck_assert_int_eq(jl_platform_valid(good[i]), 1);
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		ck_assert_msg(jl_platform_valid(bad[i]) == 0, "`%s`", bad[i]);
	ck_assert_int_eq(jl_platform_valid(NULL), 0);
}
END_TEST

/* ID from an os-release file, read naively (enough for real distributions' files). */
static char *naive_id(const char *path)
{
	_cleanup_free_ char *data = NULL;
	const char *line;
	size_t len;

	ck_assert_int_eq(jl_read_file(path, 1 << 20, &data, NULL, NULL), 0);
	for (line = data; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (jl_startswith(line, "ID="))
			break;
	if (!line)
		return NULL;
	line += 3;
	len = strcspn(line, "\n");
	if (len >= 2 && (line[0] == '"' || line[0] == '\'') && line[len - 1] == line[0]) {
		line++;
		len -= 2;
	}
	return strndup(line, len);
}

START_TEST(test_platform_this_host)
{
	static const struct {
		const char *id;
		const char *family;
	} known[] = {
		{ "debian", "ubuntu" }, { "ubuntu", "ubuntu" }, { "rhel", "rhel" },
		{ "centos", "rhel" },	{ "rocky", "rhel" },	{ "almalinux", "rhel" },
		{ "fedora", "rhel" },	{ "ol", "rhel" },	{ "amzn", "amzn" },
	};
	struct joblet_error *e1 = NULL, *e2 = NULL;
	_cleanup_free_ char *p1 = NULL, *p2 = NULL, *id = NULL;
	const char *path = NULL, *arch = NULL, *family = NULL;
	struct utsname u;
	struct stat st;
	int r1, r2;

	ck_assert_int_eq(uname(&u), 0);
	if (stat("/etc/os-release", &st) == 0)
		path = "/etc/os-release";
	else if (stat("/usr/lib/os-release", &st) == 0)
		path = "/usr/lib/os-release";

	r1 = jl_platform_detect(NULL, NULL, &p1, &e1);
	if (!path) {
		ck_assert_int_eq(r1, -JOBLET_E_UNSUPPORTED);
		ck_assert_ptr_nonnull(strstr(
			e1->message, "neither `/etc/os-release` nor `/usr/lib/os-release` exists"));
		joblet_error_free(e1);
		return;
	}
	/* The same as naming the file and the machine explicitly. */
	r2 = jl_platform_detect(path, u.machine, &p2, &e2);
	ck_assert_int_eq(r1, r2);
	if (r1 == 0)
		ck_assert_str_eq(p1, p2);
	else
		ck_assert_str_eq(e1->message, e2->message);

	/* And what the test can tell by itself. */
	if (strcmp(u.machine, "x86_64") == 0)
		arch = "amd64";
	else if (strcmp(u.machine, "aarch64") == 0 || strcmp(u.machine, "arm64") == 0)
		arch = "arm64";
	id = naive_id(path);
	for (size_t i = 0; id && i < ELEMENTSOF(known); i++)
		if (strcmp(id, known[i].id) == 0)
			family = known[i].family;
	if (r1 == 0) {
		ck_assert(jl_platform_valid(p1));
		ck_assert_ptr_nonnull(arch);
		ck_assert_str_eq(p1 + strlen(p1) - strlen(arch), arch);
		if (family)
			ck_assert(jl_startswith(p1, family) && p1[strlen(family)] == '-');
		fprintf(stderr, "this host: %s (ID=%s, machine %s)\n", p1, id ? id : "?",
			u.machine);
	} else {
		ck_assert_int_eq(r1, -JOBLET_E_UNSUPPORTED);
		ck_assert(!arch || !family);
		ck_assert_ptr_nonnull(strstr(e1->message, u.machine));
		fprintf(stderr, "this host: %s\n", e1->message);
	}
	joblet_error_free(e1);
	joblet_error_free(e2);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("platform");
	TCase *plat = tcase_create("platform");

	tcase_add_checked_fixture(plat, jl_tmp_setup, jl_tmp_teardown);
	tcase_add_test(plat, test_platform_fixtures);
	tcase_add_test(plat, test_platform_messages);
	tcase_add_test(plat, test_platform_os_release_syntax);
	tcase_add_test(plat, test_platform_unreadable);
	tcase_add_test(plat, test_platform_valid);
	tcase_add_test(plat, test_platform_this_host);
	suite_add_tcase(s, plat);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}

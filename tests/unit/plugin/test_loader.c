/*
 * test_loader.c - the plugin loader: every acceptance check, with real .so
 * files (tests/unit/plugin/plugins/test_plugin.c built once per variant) copied
 * into fresh directories.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <joblet/error.h>
#include <joblet/plugin.h>
#include <joblet/scheduler.h>

#include "base/log.h"
#include "config/config.h"
#include "plugin/loader.h"

#include "jl_test.h"
#include "jl_tmp.h"

/* Copy a built test plugin into the scratch dir (sub/ may be "") under a name. */
static const char *install(const char *variant, const char *sub, const char *as, mode_t mode)
{
	char src[4096], rel[512];
	const char *dst;
	int in, out;
	char buf[65536];
	ssize_t n;

	snprintf(src, sizeof(src), "%s/tests/unit/plugin/plugins/.libs/%s.so",
		 jl_test_env("JOBLET_TEST_BUILDDIR"), variant);
	if (*sub) {
		mkdir(jl_tmp_path(sub), 0755);
		snprintf(rel, sizeof(rel), "%s/%s", sub, as);
	} else
		snprintf(rel, sizeof(rel), "%s", as);
	dst = jl_tmp_path(rel);
	in = open(src, O_RDONLY);
	ck_assert_msg(in >= 0, "cannot open %s", src);
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(out, 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
	ck_assert_int_eq(chmod(dst, mode), 0);
	return dst;
}

static struct jl_plugin_set *new_set(const struct jl_config *cfg)
{
	struct jl_plugin_set *set = NULL;

	ck_assert_int_eq(jl_plugin_set_new(cfg, JL_LOADER_STRICT, &set, NULL), 0);
	return set;
}

/* Load one file, expect rejection with code and a reason containing needle. */
static void expect_rejected(const char *path, int32_t code, const char *needle)
{
	struct jl_plugin_set *set = new_set(NULL);
	struct joblet_error *e = NULL;
	const char *rpath, *reason;

	ck_assert_int_eq(jl_plugin_set_load_file(set, path, &e), -code);
	ck_assert_ptr_nonnull(e);
	ck_assert_msg(strstr(e->message, needle), "`%s` not in: %s", needle, e->message);
	ck_assert_uint_eq(jl_plugin_set_rejected_count(set), 1);
	ck_assert_int_eq(jl_plugin_set_rejected(set, 0, &rpath, &reason), 0);
	ck_assert_str_eq(rpath, path);
	ck_assert_msg(strstr(reason, needle), "`%s` not in reason: %s", needle, reason);
	/* Nothing but the builtins got in. */
	ck_assert_uint_eq(jl_plugin_set_count(set), 2);
	joblet_error_free(e);
	jl_plugin_set_free(set);
}

START_TEST(test_builtins)
{
	struct jl_plugin_set *set = new_set(NULL);
	const struct joblet_plugin *p;
	const char *origin;

	ck_assert_uint_eq(jl_plugin_set_count(set), 2);
	p = jl_plugin_set_get(set, 0, &origin);
	ck_assert_str_eq(origin, "builtin");
	ck_assert_ptr_eq(jl_plugin_set_find(set, JOBLET_KIND_ISOLATION, "none"), p);
	ck_assert_ptr_nonnull(jl_plugin_set_find_id(set, "scheduler/fifo"));
	ck_assert_ptr_null(jl_plugin_set_find_id(set, "scheduler/none"));
	ck_assert_ptr_null(jl_plugin_set_find_id(set, "bogus/fifo"));
	ck_assert_ptr_null(jl_plugin_set_find_id(set, "fifo"));
	ck_assert_ptr_null(jl_plugin_set_get(set, 2, NULL));
	jl_plugin_set_free(set);

	ck_assert_int_eq(jl_plugin_set_new(NULL, JL_LOADER_NO_BUILTINS, &set, NULL), 0);
	ck_assert_uint_eq(jl_plugin_set_count(set), 0);
	jl_plugin_set_free(set);
}
END_TEST

START_TEST(test_good_plugin_is_loaded_and_works)
{
	const char *path = install("scheduler_good", "", "scheduler_good.so", 0755);
	struct jl_plugin_set *set = new_set(NULL);
	const struct joblet_plugin *p;
	const struct joblet_scheduler_ops *ops;
	struct joblet_sched_job a = { .size = sizeof(a), .id = "a" },
				b = { .size = sizeof(b), .id = "b" };
	struct joblet_sched_capacity cap = { sizeof(cap), 0, -1, -1, -1, -1 };
	const char *origin;
	void *state = NULL;

	ck_assert_int_eq(jl_plugin_set_load_dir(set, jl_tmpdir, NULL), 0);
	ck_assert_uint_eq(jl_plugin_set_rejected_count(set), 0);
	ck_assert_uint_eq(jl_plugin_set_count(set), 3);
	p = jl_plugin_set_find(set, JOBLET_KIND_SCHEDULER, "good");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_eq(jl_plugin_set_get(set, 2, &origin), p);
	ck_assert_str_eq(origin, path);
	ck_assert_str_eq(p->version, "9.9.9");

	ops = p->ops;
	ck_assert_int_eq(ops->create(&state, NULL), 0);
	ck_assert_int_eq(ops->submit(state, &a, 0, NULL), 0);
	ck_assert_int_eq(ops->submit(state, &b, 0, NULL), 0);
	ck_assert_uint_eq(ops->count(state), 2);
	ck_assert_ptr_eq(ops->pick(state, &cap, 0), &b);
	ck_assert_ptr_eq(ops->pick(state, &cap, 0), &a);
	ck_assert_ptr_null(ops->pick(state, &cap, 0));
	ops->destroy(state);
	jl_plugin_set_free(set);
}
END_TEST

START_TEST(test_abi_rules)
{
	char want[64];

	snprintf(want, sizeof(want), "built for plugin ABI %d.%d", JOBLET_PLUGIN_ABI_MAJOR + 1,
		 JOBLET_PLUGIN_ABI_MINOR);
	expect_rejected(install("scheduler_badmajor", "", "scheduler_badmajor.so", 0755),
			JOBLET_E_ABI, want);
	expect_rejected(jl_tmp_path("scheduler_badmajor.so"), JOBLET_E_ABI,
			"major versions must match");
	expect_rejected(install("scheduler_newminor", "", "scheduler_newminor.so", 0755),
			JOBLET_E_ABI, "newer than this joblet's");
}
END_TEST

/* A plugin of the 1.x SDK is refused, saying what to rebuild; nothing of it is called. */
START_TEST(test_abi1_plugin_refused)
{
	char want[96];

	snprintf(want, sizeof(want), "built for plugin ABI 1.5 but this joblet speaks %d.%d",
		 JOBLET_PLUGIN_ABI_MAJOR, JOBLET_PLUGIN_ABI_MINOR);
	expect_rejected(install("archive_old", "", "archive_old.so", 0755), JOBLET_E_ABI, want);
	expect_rejected(jl_tmp_path("archive_old.so"), JOBLET_E_ABI,
			"rebuild the plugin against this joblet's SDK");
}
END_TEST

START_TEST(test_descriptor_rules)
{
	expect_rejected(install("scheduler_nosym", "", "scheduler_nosym.so", 0755), JOBLET_E_PLUGIN,
			"missing symbol `joblet_plugin`");
	expect_rejected(install("registry_wrongkind", "", "registry_wrongkind.so", 0755),
			JOBLET_E_PLUGIN, "wrong kind: the file name says `registry`");
	expect_rejected(install("scheduler_mismatch", "", "scheduler_mismatch.so", 0755),
			JOBLET_E_PLUGIN, "must be called `scheduler_other.so`");
	expect_rejected(install("scheduler_noop", "", "scheduler_noop.so", 0755), JOBLET_E_PLUGIN,
			"REQUIRED op `pick` is NULL");
	expect_rejected(install("scheduler_smallops", "", "scheduler_smallops.so", 0755),
			JOBLET_E_PLUGIN, "ops table is 8 bytes");
	expect_rejected(install("scheduler_reserved", "", "scheduler_reserved.so", 0755),
			JOBLET_E_PLUGIN, "reserved field 0");
	expect_rejected(install("scheduler_initfail", "", "scheduler_initfail.so", 0755),
			JOBLET_E_PLUGIN, "init() failed: this host lacks the frobnicator");
}
END_TEST

START_TEST(test_file_rules)
{
	const char *p;

	expect_rejected(install("scheduler_good", "", "notaplugin.so", 0755), JOBLET_E_PLUGIN,
			"not <kind>_<name>.so");
	expect_rejected(install("scheduler_good", "", "widget_good.so", 0755), JOBLET_E_PLUGIN,
			"not <kind>_<name>.so");
	expect_rejected(install("scheduler_good", "", "scheduler_good.so", 0666),
			JOBLET_E_PERMISSION, "world-writable");
	expect_rejected(install("scheduler_good", "", "scheduler_good.so", 0775),
			JOBLET_E_PERMISSION, "group-writable");
	p = jl_tmp_write("scheduler_text.so", "this is not an ELF file\n");
	chmod(p, 0644);
	expect_rejected(p, JOBLET_E_PLUGIN, "dlopen failed");
	install("scheduler_good", "real", "scheduler_good.so", 0755);
	ck_assert_int_eq(
		symlink(jl_tmp_path("real/scheduler_good.so"), jl_tmp_path("scheduler_link.so")),
		0);
	expect_rejected(jl_tmp_path("scheduler_link.so"), JOBLET_E_PERMISSION, "symbolic link");
	mkdir(jl_tmp_path("scheduler_dir.so"), 0755);
	expect_rejected(jl_tmp_path("scheduler_dir.so"), JOBLET_E_PERMISSION, "not a regular file");
}
END_TEST

START_TEST(test_duplicates)
{
	struct jl_plugin_set *set = new_set(NULL);
	const char *a = install("scheduler_good", "a", "scheduler_good.so", 0755);
	const char *b = install("scheduler_good", "b", "scheduler_good.so", 0755);
	const char *fifo = install("scheduler_fifo", "b", "scheduler_fifo.so", 0755);
	const char *path, *reason;
	char want[4200];

	ck_assert_int_eq(jl_plugin_set_load_file(set, a, NULL), 0);
	ck_assert_int_lt(jl_plugin_set_load_file(set, b, NULL), 0);
	ck_assert_int_lt(jl_plugin_set_load_file(set, fifo, NULL), 0);
	ck_assert_uint_eq(jl_plugin_set_count(set), 3);
	ck_assert_uint_eq(jl_plugin_set_rejected_count(set), 2);
	jl_plugin_set_rejected(set, 0, &path, &reason);
	ck_assert_str_eq(path, b);
	snprintf(want, sizeof(want), "duplicate: scheduler/good is already loaded from `%s`", a);
	ck_assert_str_eq(reason, want);
	jl_plugin_set_rejected(set, 1, &path, &reason);
	ck_assert_str_eq(reason, "duplicate: scheduler/fifo is already loaded from `builtin`");
	jl_plugin_set_free(set);
}
END_TEST

/* A restricted set opens only the named plugins of one kind (what joblet-shim loads). */
START_TEST(test_restrict)
{
	struct jl_plugin_set *set = new_set(NULL);
	const char *const names[] = { "second", NULL };

	install("scheduler_good", "r", "scheduler_good.so", 0755);
	install("scheduler_second", "r", "scheduler_second.so", 0755);
	/* Would be rejected if it were opened: not a plugin of that name at all. */
	install("scheduler_mismatch", "r", "scheduler_mismatch.so", 0755);
	install("registry_wrongkind", "r", "registry_wrongkind.so", 0755);
	ck_assert_int_eq(jl_plugin_set_restrict(set, JOBLET_KIND_SCHEDULER, names, NULL), 0);
	ck_assert_int_eq(jl_plugin_set_load_dir(set, jl_tmp_path("r"), NULL), 0);
	ck_assert_ptr_nonnull(jl_plugin_set_find_id(set, "scheduler/second"));
	ck_assert_ptr_null(jl_plugin_set_find_id(set, "scheduler/good"));
	ck_assert_uint_eq(jl_plugin_set_rejected_count(set), 0);
	/* Builtins stay. */
	ck_assert_ptr_nonnull(jl_plugin_set_find_id(set, "scheduler/fifo"));
	jl_plugin_set_free(set);
}
END_TEST

/*
 * Kinds left out of a scan are not opened; jl_plugin_set_load_kinds() loads
 * them later from the same folders, once, and says nothing twice (what the
 * daemon does with registry and archive plugins).
 */
START_TEST(test_only_kinds_then_load)
{
	struct jl_plugin_set *set = new_set(NULL), *other;
	const uint32_t reg = JL_PLUGIN_KIND_BIT(JOBLET_KIND_REGISTRY);
	const char *path, *reason;

	install("scheduler_good", "k", "scheduler_good.so", 0755);
	/* A scheduler in a registry's file: rejected once opened. */
	install("registry_wrongkind", "k", "registry_wrongkind.so", 0755);
	install("scheduler_good", "k", "whatever.so", 0755);
	jl_plugin_set_only_kinds(set, ~reg);
	ck_assert_int_eq(jl_plugin_set_load_dir(set, jl_tmp_path("k"), NULL), 0);
	ck_assert_int_eq(jl_plugin_set_load_dir(set, jl_tmp_path("absent"), NULL),
			 -JOBLET_E_NOT_FOUND);
	ck_assert_ptr_nonnull(jl_plugin_set_find_id(set, "scheduler/good"));
	/* The badly named file and the missing folder: not the registry file. */
	ck_assert_uint_eq(jl_plugin_set_rejected_count(set), 2);
	ck_assert_int_eq(jl_plugin_set_load_kinds(set, reg, NULL), 0);
	ck_assert_uint_eq(jl_plugin_set_rejected_count(set), 3);
	jl_plugin_set_rejected(set, 2, &path, &reason);
	ck_assert_ptr_nonnull(strstr(path, "registry_wrongkind.so"));
	ck_assert_ptr_nonnull(jl_plugin_set_find_id(set, "scheduler/good"));
	/* Loaded already: nothing happens again. */
	ck_assert_int_eq(jl_plugin_set_load_kinds(set, reg, NULL), 0);
	ck_assert_uint_eq(jl_plugin_set_rejected_count(set), 3);
	jl_plugin_set_free(set);

	/* A set of registry plugins alone leaves the folder's other problems to the other set. */
	other = new_set(NULL);
	jl_plugin_set_only_kinds(other, reg);
	ck_assert_int_eq(jl_plugin_set_load_dir(other, jl_tmp_path("k"), NULL), 0);
	ck_assert_int_eq(jl_plugin_set_load_dir(other, jl_tmp_path("absent"), NULL), 0);
	ck_assert_uint_eq(jl_plugin_set_rejected_count(other), 1);
	ck_assert_ptr_null(jl_plugin_set_find_id(other, "scheduler/good"));
	jl_plugin_set_free(other);
}
END_TEST

/* Plugins stay resident: a later set loading the same file gets the same code, and works. */
START_TEST(test_same_file_in_a_later_set)
{
	struct jl_plugin_set *set = new_set(NULL), *later;
	const char *a = install("scheduler_good", "x", "scheduler_good.so", 0755);
	const struct joblet_plugin *p1, *p2;

	ck_assert_int_eq(jl_plugin_set_load_file(set, a, NULL), 0);
	p1 = jl_plugin_set_find_id(set, "scheduler/good");
	jl_plugin_set_free(set);
	later = new_set(NULL);
	ck_assert_int_eq(jl_plugin_set_load_file(later, a, NULL), 0);
	p2 = jl_plugin_set_find_id(later, "scheduler/good");
	ck_assert_ptr_eq(p1, p2);
	jl_plugin_set_free(later);
}
END_TEST

START_TEST(test_directory_rules)
{
	struct jl_plugin_set *set = new_set(NULL);
	struct joblet_error *e = NULL;
	const char *path, *reason;

	/* A scan goes on past rejections, in name order. */
	install("scheduler_badmajor", "d", "scheduler_badmajor.so", 0755);
	install("scheduler_good", "d", "scheduler_good.so", 0755);
	install("scheduler_nosym", "d", "scheduler_nosym.so", 0755);
	jl_tmp_write("d/README.txt", "not a plugin, not even looked at\n");
	ck_assert_int_eq(jl_plugin_set_load_dir(set, jl_tmp_path("d"), NULL), 0);
	ck_assert_uint_eq(jl_plugin_set_count(set), 3);
	ck_assert_uint_eq(jl_plugin_set_rejected_count(set), 2);
	jl_plugin_set_rejected(set, 0, &path, NULL);
	ck_assert_ptr_nonnull(strstr(path, "scheduler_badmajor.so"));
	jl_plugin_set_rejected(set, 1, &path, NULL);
	ck_assert_ptr_nonnull(strstr(path, "scheduler_nosym.so"));
	ck_assert_str_eq(jl_plugin_set_dir(set, 0), jl_tmp_path("d"));

	/* The same directory again is not scanned twice (no duplicates reported). */
	ck_assert_int_eq(jl_plugin_set_load_dir(set, jl_tmp_path("d"), NULL), 0);
	ck_assert_uint_eq(jl_plugin_set_rejected_count(set), 2);
	ck_assert_ptr_null(jl_plugin_set_dir(set, 1));

	ck_assert_int_eq(jl_plugin_set_load_dir(set, jl_tmp_path("missing"), &e),
			 -JOBLET_E_NOT_FOUND);
	joblet_error_clear(&e);
	jl_plugin_set_rejected(set, 2, &path, &reason);
	ck_assert_str_eq(path, jl_tmp_path("missing"));
	ck_assert_ptr_nonnull(strstr(reason, "No such file"));

	install("scheduler_initfail", "open", "scheduler_initfail.so", 0755);
	chmod(jl_tmp_path("open"), 0777);
	ck_assert_int_eq(jl_plugin_set_load_dir(set, jl_tmp_path("open"), &e),
			 -JOBLET_E_PERMISSION);
	ck_assert_ptr_nonnull(strstr(e->message, "world-writable"));
	ck_assert_ptr_nonnull(strstr(e->message, "nothing in it is loaded"));
	joblet_error_free(e);
	ck_assert_uint_eq(jl_plugin_set_count(set), 3);
	jl_plugin_set_free(set);
}
END_TEST

struct captured {
	char source[64];
	char message[256];
};

static void capture(int32_t level, const char *source, const char *message, void *userdata)
{
	struct captured *c = userdata;

	(void)level;
	if (strcmp(source, "joblet") != 0) {
		snprintf(c->source, sizeof(c->source), "%s", source);
		snprintf(c->message, sizeof(c->message), "%s", message);
	}
}

static struct jl_config *config_with(const char *yaml)
{
	struct jl_config *cfg = NULL;
	struct joblet_error *e = NULL;

	ck_assert_msg(jl_config_load(jl_tmp_write("joblet.yml", yaml), 0, &cfg, &e) == 0, "%s",
		      joblet_error_message(e));
	return cfg;
}

START_TEST(test_settings_reach_init)
{
	const char *path = install("scheduler_good", "", "scheduler_good.so", 0755);
	struct jl_config *cfg = config_with("plugins:\n"
					    "  settings:\n"
					    "    scheduler/good:\n"
					    "      greeting: bonjour\n");
	struct jl_plugin_set *set = new_set(cfg);
	struct captured c = { "", "" };

	jl_log_set_sink(capture, &c);
	jl_log_set_level(JOBLET_LOG_DEBUG);
	ck_assert_int_eq(jl_plugin_set_load_file(set, path, NULL), 0);
	ck_assert_str_eq(c.source, "scheduler/good");
	ck_assert_str_eq(c.message, "init: bonjour");
	ck_assert_int_eq(jl_plugin_set_check_settings(set, NULL), 0);
	jl_log_set_sink(NULL, NULL);
	jl_plugin_set_free(set);
	jl_config_free(cfg);
}
END_TEST

/*
 * Typed settings through the SDK: the parsers of joblet.yml, the bounds, the
 * wording.  The file is installed once: an accepted plugin stays mapped, and
 * rewriting a mapped file would change the code under it.
 */
static void typed_setting(const char *path, const char *yaml_tail, int32_t code,
			  const char *expected)
{
	char yaml[512];
	struct jl_config *cfg;
	struct jl_plugin_set *set;
	struct captured c = { "", "" };
	struct joblet_error *e = NULL;

	snprintf(yaml, sizeof(yaml), "plugins:\n  settings:\n    scheduler/good:\n%s", yaml_tail);
	cfg = config_with(yaml);
	set = new_set(cfg);
	jl_log_set_sink(capture, &c);
	jl_log_set_level(JOBLET_LOG_DEBUG);
	ck_assert_int_eq(jl_plugin_set_load_file(set, path, &e), code ? -code : 0);
	if (code)
		ck_assert_msg(strstr(e->message, expected), "%s", e->message);
	else
		ck_assert_str_eq(c.message, expected);
	joblet_error_free(e);
	jl_log_set_sink(NULL, NULL);
	jl_plugin_set_free(set);
	jl_config_free(cfg);
}

START_TEST(test_settings_typed)
{
	char path[4096];

	/* A copy: install() answers in a buffer the next temporary file reuses. */
	snprintf(path, sizeof(path), "%s",
		 install("scheduler_good", "", "scheduler_good.so", 0755));

	typed_setting(path, "      wait: 1h30m\n      count: 0\n", 0,
		      "init: hello, wait 5400s, count 0");
	typed_setting(path, "      wait: 90\n", 0, "init: hello, wait 90s, count 2");
	typed_setting(path, "      count: 20\n", 0, "init: hello, wait 5s, count 20");
	typed_setting(
		path, "      wait: 0s\n", JOBLET_E_PLUGIN,
		"init() failed: setting `wait` must be a duration from 1s to 1d (15s, 2m), not `0s`");
	typed_setting(path, "      wait: 2d\n", JOBLET_E_PLUGIN,
		      "setting `wait` must be a duration from 1s to 1d (15s, 2m), not `2d`");
	typed_setting(path, "      wait: soon\n", JOBLET_E_PLUGIN, "not `soon`");
	typed_setting(
		path, "      count: 21\n", JOBLET_E_PLUGIN,
		"init() failed: setting `count` must be a whole number from 0 to 20, not `21`");
	typed_setting(path, "      count: 1.5\n", JOBLET_E_PLUGIN,
		      "setting `count` must be a whole number from 0 to 20, not `1.5`");
	typed_setting(path, "      count: -1\n", JOBLET_E_PLUGIN, "not `-1`");
}
END_TEST

START_TEST(test_settings_mistakes)
{
	const char *path = install("scheduler_good", "", "scheduler_good.so", 0755);
	struct jl_config *cfg = config_with("plugins:\n"
					    "  settings:\n"
					    "    scheduler/good:\n"
					    "      greeting: hi\n"
					    "      colour: blue\n"
					    "    registry/absent:\n"
					    "      x: y\n");
	struct jl_plugin_set *set = new_set(cfg);
	struct joblet_error *e = NULL;

	ck_assert_int_eq(jl_plugin_set_load_file(set, path, &e), -JOBLET_E_CONFIG);
	ck_assert_ptr_nonnull(strstr(
		e->message,
		"line 5: `colour` is not a setting of scheduler/good (it reads: greeting, mode, wait, count)"));
	joblet_error_clear(&e);
	ck_assert_int_eq(jl_plugin_set_check_settings(set, &e), -JOBLET_E_CONFIG);
	ck_assert_ptr_nonnull(strstr(e->message, "line 3: settings for plugin `scheduler/good`"));
	joblet_error_clear(&e);
	jl_plugin_set_free(set);
	jl_config_free(cfg);

	cfg = config_with("plugins:\n  settings:\n    scheduler/good:\n      mode: fail\n");
	set = new_set(cfg);
	ck_assert_int_eq(jl_plugin_set_load_file(set, path, &e), -JOBLET_E_PLUGIN);
	ck_assert_ptr_nonnull(strstr(e->message, "init() failed: told to fail by its settings"));
	joblet_error_clear(&e);
	jl_plugin_set_free(set);
	jl_config_free(cfg);

	/* Rejected for its settings: the check says so instead of "not loaded". */
	cfg = config_with("plugins:\n  settings:\n    scheduler/good:\n      colour: blue\n");
	set = new_set(cfg);
	ck_assert_int_lt(jl_plugin_set_load_file(set, path, NULL), 0);
	ck_assert_int_eq(jl_plugin_set_check_settings(set, &e), -JOBLET_E_CONFIG);
	ck_assert_ptr_nonnull(
		strstr(e->message, "settings for plugin `scheduler/good`, which was rejected: `"));
	ck_assert_ptr_nonnull(strstr(e->message, "`colour` is not a setting of scheduler/good"));
	joblet_error_clear(&e);
	jl_plugin_set_free(set);
	jl_config_free(cfg);

	/* A builtin with a wrong setting is rejected like a file; the set still works. */
	cfg = config_with("plugins:\n  settings:\n    scheduler/fifo:\n      speed: 11\n");
	ck_assert_int_eq(jl_plugin_set_new(cfg, 0, &set, NULL), 0);
	ck_assert_ptr_null(jl_plugin_set_find_id(set, "scheduler/fifo"));
	ck_assert_ptr_nonnull(jl_plugin_set_find_id(set, "isolation/none"));
	ck_assert_int_eq(jl_plugin_set_check_settings(set, &e), -JOBLET_E_CONFIG);
	ck_assert_ptr_nonnull(strstr(e->message, "`scheduler/fifo`, which was rejected: "));
	ck_assert_ptr_nonnull(strstr(e->message, "it takes no settings"));
	joblet_error_clear(&e);
	jl_plugin_set_free(set);
	jl_config_free(cfg);

	/* An empty section still names a plugin that must be there. */
	cfg = config_with("plugins:\n  settings:\n    registry/absent:\n");
	set = new_set(cfg);
	ck_assert_int_eq(jl_plugin_set_check_settings(set, &e), -JOBLET_E_CONFIG);
	ck_assert_ptr_nonnull(strstr(e->message, "`registry/absent`, which is not loaded"));
	joblet_error_clear(&e);
	jl_plugin_set_free(set);
	jl_config_free(cfg);

	cfg = config_with("plugins:\n  settings:\n    registry/absent:\n      x: y\n");
	set = new_set(cfg);
	ck_assert_int_eq(jl_plugin_set_check_settings(set, &e), -JOBLET_E_CONFIG);
	ck_assert_ptr_nonnull(strstr(
		e->message, "line 3: settings for plugin `registry/absent`, which is not loaded"));
	joblet_error_free(e);
	jl_plugin_set_free(set);
	jl_config_free(cfg);
}
END_TEST

START_TEST(test_scan_and_json)
{
	char yaml[8192];
	struct jl_config *cfg;
	struct jl_plugin_set *set;
	char *json = NULL;

	install("scheduler_good", "one", "scheduler_good.so", 0755);
	install("scheduler_nosym", "two", "scheduler_nosym.so", 0755);
	install("scheduler_initfail", "env", "scheduler_initfail.so", 0755);
	snprintf(yaml, sizeof(yaml), "plugins:\n  dirs: [%s, %s]\n", jl_tmp_path("one"),
		 jl_tmp_path("two"));
	cfg = config_with(yaml);
	/* Root ignores JOBLET_PLUGIN_PATH: the env dir must not be scanned. */
	setenv("JOBLET_PLUGIN_PATH", jl_tmp_path("env"), 1);
	set = new_set(cfg);
	ck_assert_int_eq(jl_plugin_set_scan(set, NULL), 0);
	ck_assert_ptr_nonnull(jl_plugin_set_find_id(set, "scheduler/good"));
	if (geteuid() == 0) {
		ck_assert_uint_eq(jl_plugin_set_rejected_count(set), 1);
		ck_assert_str_eq(jl_plugin_set_dir(set, 0), jl_tmp_path("one"));
	}
	ck_assert_int_eq(jl_plugin_set_to_json(set, &json, NULL), 0);
	ck_assert_ptr_nonnull(strstr(json, "\"id\":\"scheduler/good\""));
	ck_assert_ptr_nonnull(strstr(json, "\"origin\":\"builtin\""));
	ck_assert_ptr_nonnull(strstr(json, "\"version\":\"9.9.9\""));
	ck_assert_ptr_nonnull(strstr(json, "\"reason\":\"missing symbol `joblet_plugin`"));
	ck_assert_ptr_nonnull(strstr(json, "\"dirs\":["));
	free(json);
	jl_plugin_set_free(set);
	jl_config_free(cfg);
	unsetenv("JOBLET_PLUGIN_PATH");
}
END_TEST

/*
 * Without root: JOBLET_PLUGIN_PATH is honoured, and ownership/group-write
 * rules relax (world-writable stays refused).  Run in a child that drops to
 * nobody.
 */
START_TEST(test_unprivileged_rules)
{
	pid_t pid;
	int status;

	/* A plugin no other case loads: loaded plugins stay resident in this process. */
	install("scheduler_second", "env", "scheduler_second.so", 0664);
	install("scheduler_initfail", "env", "scheduler_initfail.so", 0666);
	chmod(jl_tmpdir, 0755);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct jl_plugin_set *set = NULL;
		const char *reason = NULL;

		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(10);
		setenv("JOBLET_PLUGIN_PATH", jl_tmp_path("env"), 1);
		if (jl_plugin_set_new(NULL, 0, &set, NULL) < 0 || jl_plugin_set_scan(set, NULL) < 0)
			_exit(11);
		if (!jl_plugin_set_find_id(set, "scheduler/second")) {
			const char *path = NULL;

			for (size_t i = 0; jl_plugin_set_rejected(set, i, &path, &reason) == 0; i++)
				fprintf(stderr, "rejected %s: %s\n", path, reason);
			_exit(12);
		}
		if (jl_plugin_set_rejected(set, 0, NULL, &reason) < 0 ||
		    !strstr(reason, "world-writable"))
			_exit(13);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child failed with %d",
		      WEXITSTATUS(status));
}
END_TEST

static Suite *loader_suite(void)
{
	Suite *s = suite_create("loader");
	TCase *tc = tcase_create("acceptance");

	tcase_add_checked_fixture(tc, jl_tmp_setup, jl_tmp_teardown);
	tcase_add_test(tc, test_builtins);
	tcase_add_test(tc, test_restrict);
	tcase_add_test(tc, test_only_kinds_then_load);
	tcase_add_test(tc, test_good_plugin_is_loaded_and_works);
	tcase_add_test(tc, test_abi_rules);
	tcase_add_test(tc, test_abi1_plugin_refused);
	tcase_add_test(tc, test_descriptor_rules);
	tcase_add_test(tc, test_file_rules);
	tcase_add_test(tc, test_duplicates);
	tcase_add_test(tc, test_same_file_in_a_later_set);
	tcase_add_test(tc, test_directory_rules);
	tcase_add_test(tc, test_settings_reach_init);
	tcase_add_test(tc, test_settings_mistakes);
	tcase_add_test(tc, test_settings_typed);
	tcase_add_test(tc, test_scan_and_json);
	jl_tcase_add_root(tc, test_unprivileged_rules);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(loader_suite());
}

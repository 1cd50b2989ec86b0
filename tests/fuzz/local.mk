# libFuzzer harnesses of every parser of outside input (docs/hacking.md,
# "Fuzzing").  `make fuzz` builds them when configured with
# --enable-fuzzing (CC=clang); `make fuzz-run` (tests/fuzz/run.sh) runs each
# for FUZZ_SECONDS (FUZZ_JOBS at a time) on a copy of its seed corpus
# tests/fuzz/corpus/<name>/; `make fuzz-regress` runs each over every input
# of its corpus once.
# They link libjoblet_fuzz.la: libjoblet's and core/common's sources built
# again with the fuzzer's coverage and ASan/UBSan, so the normal build's
# objects stay as they are.
JL_FUZZERS = \
	tests/fuzz/fuzz_base64 \
	tests/fuzz/fuzz_client_config \
	tests/fuzz/fuzz_config \
	tests/fuzz/fuzz_cpuset \
	tests/fuzz/fuzz_cron \
	tests/fuzz/fuzz_job_json \
	tests/fuzz/fuzz_log_reader \
	tests/fuzz/fuzz_registry_index \
	tests/fuzz/fuzz_route \
	tests/fuzz/fuzz_runtime_yml \
	tests/fuzz/fuzz_schedule \
	tests/fuzz/fuzz_semver \
	tests/fuzz/fuzz_sse \
	tests/fuzz/fuzz_tar_stream
if BUILD_PLUGIN_ARCHIVE_TAR
JL_FUZZERS += tests/fuzz/fuzz_tar
endif
EXTRA_DIST += tests/fuzz/local.mk tests/fuzz/run.sh tests/fuzz/fuzz.h tests/fuzz/corpus
FUZZ_SECONDS = 30
FUZZ_JOBS = 1

if ENABLE_FUZZING
EXTRA_LTLIBRARIES = tests/fuzz/libjoblet_fuzz.la
tests_fuzz_libjoblet_fuzz_la_SOURCES = $(libjoblet_core_la_SOURCES) $(libjoblet_common_la_SOURCES)
tests_fuzz_libjoblet_fuzz_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_fuzz_libjoblet_fuzz_la_CFLAGS = $(AM_CFLAGS) $(JOBLET_FUZZ_CFLAGS) $(YAML_CFLAGS) \
	$(JSONC_CFLAGS) $(NETTLE_CFLAGS)
tests_fuzz_libjoblet_fuzz_la_LIBADD = $(YAML_LIBS) $(JSONC_LIBS) $(NETTLE_LIBS) -lpthread

EXTRA_PROGRAMS += $(JL_FUZZERS)
JL_FUZZ_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/fuzz -I$(top_srcdir)/core \
	-I$(top_srcdir)/core/lib
JL_FUZZ_CFLAGS = $(AM_CFLAGS) $(JOBLET_FUZZ_CFLAGS) $(JSONC_CFLAGS) $(YAML_CFLAGS)
JL_FUZZ_LDADD = tests/fuzz/libjoblet_fuzz.la $(YAML_LIBS) $(JSONC_LIBS) $(NETTLE_LIBS) -ldl -lpthread

tests_fuzz_fuzz_base64_SOURCES = tests/fuzz/fuzz_base64.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_base64_CPPFLAGS = $(JL_FUZZ_CPPFLAGS)
tests_fuzz_fuzz_base64_CFLAGS = $(JL_FUZZ_CFLAGS)
tests_fuzz_fuzz_base64_LDFLAGS = $(JOBLET_FUZZ_LDFLAGS)
tests_fuzz_fuzz_base64_LDADD = $(JL_FUZZ_LDADD)

tests_fuzz_fuzz_client_config_SOURCES = tests/fuzz/fuzz_client_config.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_client_config_CPPFLAGS = $(JL_FUZZ_CPPFLAGS)
tests_fuzz_fuzz_client_config_CFLAGS = $(JL_FUZZ_CFLAGS)
tests_fuzz_fuzz_client_config_LDFLAGS = $(JOBLET_FUZZ_LDFLAGS)
tests_fuzz_fuzz_client_config_LDADD = $(JL_FUZZ_LDADD)

tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_config_CPPFLAGS = $(JL_FUZZ_CPPFLAGS)
tests_fuzz_fuzz_config_CFLAGS = $(JL_FUZZ_CFLAGS)
tests_fuzz_fuzz_config_LDFLAGS = $(JOBLET_FUZZ_LDFLAGS)
tests_fuzz_fuzz_config_LDADD = $(JL_FUZZ_LDADD)

tests_fuzz_fuzz_cpuset_SOURCES = tests/fuzz/fuzz_cpuset.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_cpuset_CPPFLAGS = $(JL_FUZZ_CPPFLAGS)
tests_fuzz_fuzz_cpuset_CFLAGS = $(JL_FUZZ_CFLAGS)
tests_fuzz_fuzz_cpuset_LDFLAGS = $(JOBLET_FUZZ_LDFLAGS)
tests_fuzz_fuzz_cpuset_LDADD = $(JL_FUZZ_LDADD)

tests_fuzz_fuzz_tar_stream_SOURCES = tests/fuzz/fuzz_tar_stream.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_tar_stream_CPPFLAGS = $(JL_FUZZ_CPPFLAGS)
tests_fuzz_fuzz_tar_stream_CFLAGS = $(JL_FUZZ_CFLAGS)
tests_fuzz_fuzz_tar_stream_LDFLAGS = $(JOBLET_FUZZ_LDFLAGS)
tests_fuzz_fuzz_tar_stream_LDADD = $(JL_FUZZ_LDADD)

tests_fuzz_fuzz_cron_SOURCES = tests/fuzz/fuzz_cron.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_cron_CPPFLAGS = $(JL_FUZZ_CPPFLAGS)
tests_fuzz_fuzz_cron_CFLAGS = $(JL_FUZZ_CFLAGS)
tests_fuzz_fuzz_cron_LDFLAGS = $(JOBLET_FUZZ_LDFLAGS)
tests_fuzz_fuzz_cron_LDADD = $(JL_FUZZ_LDADD)

tests_fuzz_fuzz_job_json_SOURCES = tests/fuzz/fuzz_job_json.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_job_json_CPPFLAGS = $(JL_FUZZ_CPPFLAGS)
tests_fuzz_fuzz_job_json_CFLAGS = $(JL_FUZZ_CFLAGS)
tests_fuzz_fuzz_job_json_LDFLAGS = $(JOBLET_FUZZ_LDFLAGS)
tests_fuzz_fuzz_job_json_LDADD = $(JL_FUZZ_LDADD)

tests_fuzz_fuzz_log_reader_SOURCES = tests/fuzz/fuzz_log_reader.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_log_reader_CPPFLAGS = $(JL_FUZZ_CPPFLAGS)
tests_fuzz_fuzz_log_reader_CFLAGS = $(JL_FUZZ_CFLAGS)
tests_fuzz_fuzz_log_reader_LDFLAGS = $(JOBLET_FUZZ_LDFLAGS)
tests_fuzz_fuzz_log_reader_LDADD = $(JL_FUZZ_LDADD)

tests_fuzz_fuzz_registry_index_SOURCES = tests/fuzz/fuzz_registry_index.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_registry_index_CPPFLAGS = $(JL_FUZZ_CPPFLAGS)
tests_fuzz_fuzz_registry_index_CFLAGS = $(JL_FUZZ_CFLAGS)
tests_fuzz_fuzz_registry_index_LDFLAGS = $(JOBLET_FUZZ_LDFLAGS)
tests_fuzz_fuzz_registry_index_LDADD = $(JL_FUZZ_LDADD)

# The daemon's sources without its main() (core/daemon/joblet.c).
tests_fuzz_fuzz_route_SOURCES = tests/fuzz/fuzz_route.c tests/fuzz/fuzz.h $(joblet_daemon_sources)
tests_fuzz_fuzz_route_CPPFLAGS = $(JL_FUZZ_CPPFLAGS)
tests_fuzz_fuzz_route_CFLAGS = $(JL_FUZZ_CFLAGS) $(MICROHTTPD_CFLAGS) $(GNUTLS_CFLAGS) \
	$(SQLITE3_CFLAGS)
tests_fuzz_fuzz_route_LDFLAGS = $(JOBLET_FUZZ_LDFLAGS)
tests_fuzz_fuzz_route_LDADD = $(JL_FUZZ_LDADD) $(MICROHTTPD_LIBS) $(GNUTLS_LIBS) $(SQLITE3_LIBS)
if BUILD_NET
tests_fuzz_fuzz_route_LDADD += libjlnet_host.la libjlnet.la
endif

tests_fuzz_fuzz_runtime_yml_SOURCES = tests/fuzz/fuzz_runtime_yml.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_runtime_yml_CPPFLAGS = $(JL_FUZZ_CPPFLAGS)
tests_fuzz_fuzz_runtime_yml_CFLAGS = $(JL_FUZZ_CFLAGS)
tests_fuzz_fuzz_runtime_yml_LDFLAGS = $(JOBLET_FUZZ_LDFLAGS)
tests_fuzz_fuzz_runtime_yml_LDADD = $(JL_FUZZ_LDADD)

tests_fuzz_fuzz_schedule_SOURCES = tests/fuzz/fuzz_schedule.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_schedule_CPPFLAGS = $(JL_FUZZ_CPPFLAGS)
tests_fuzz_fuzz_schedule_CFLAGS = $(JL_FUZZ_CFLAGS)
tests_fuzz_fuzz_schedule_LDFLAGS = $(JOBLET_FUZZ_LDFLAGS)
tests_fuzz_fuzz_schedule_LDADD = $(JL_FUZZ_LDADD)

tests_fuzz_fuzz_semver_SOURCES = tests/fuzz/fuzz_semver.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_semver_CPPFLAGS = $(JL_FUZZ_CPPFLAGS)
tests_fuzz_fuzz_semver_CFLAGS = $(JL_FUZZ_CFLAGS)
tests_fuzz_fuzz_semver_LDFLAGS = $(JOBLET_FUZZ_LDFLAGS)
tests_fuzz_fuzz_semver_LDADD = $(JL_FUZZ_LDADD)

tests_fuzz_fuzz_sse_SOURCES = tests/fuzz/fuzz_sse.c tests/fuzz/fuzz.h core/cli/sse.c
tests_fuzz_fuzz_sse_CPPFLAGS = $(JL_FUZZ_CPPFLAGS)
tests_fuzz_fuzz_sse_CFLAGS = $(JL_FUZZ_CFLAGS)
tests_fuzz_fuzz_sse_LDFLAGS = $(JOBLET_FUZZ_LDFLAGS)
tests_fuzz_fuzz_sse_LDADD = $(JL_FUZZ_LDADD)

tests_fuzz_fuzz_tar_SOURCES = tests/fuzz/fuzz_tar.c tests/fuzz/fuzz.h plugins/archive/tar/tar.c
tests_fuzz_fuzz_tar_CPPFLAGS = $(JL_FUZZ_CPPFLAGS)
tests_fuzz_fuzz_tar_CFLAGS = $(JL_FUZZ_CFLAGS) $(LIBARCHIVE_CFLAGS)
tests_fuzz_fuzz_tar_LDFLAGS = $(JOBLET_FUZZ_LDFLAGS)
tests_fuzz_fuzz_tar_LDADD = $(JL_FUZZ_LDADD) $(LIBARCHIVE_LIBS)

fuzz: $(JL_FUZZERS)
fuzz-run: fuzz
	$(SHELL) $(srcdir)/tests/fuzz/run.sh -t $(FUZZ_SECONDS) -j $(FUZZ_JOBS) \
		-c $(srcdir)/tests/fuzz/corpus $(JL_FUZZERS)
fuzz-regress: fuzz
	$(SHELL) $(srcdir)/tests/fuzz/run.sh -r -c $(srcdir)/tests/fuzz/corpus $(JL_FUZZERS)
else
fuzz fuzz-run fuzz-regress:
	@echo "make $@: configure with CC=clang --enable-fuzzing first (docs/hacking.md, Fuzzing)" >&2; \
	exit 1
endif
.PHONY: fuzz fuzz-run fuzz-regress
CLEANFILES += $(JL_FUZZERS) tests/fuzz/libjoblet_fuzz.la

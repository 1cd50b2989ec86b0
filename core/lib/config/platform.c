/*
 * platform.c - the registry platform of a host from os-release(5) and
 * uname(2) (jl_platform_*).
 *
 * os-release is read the way a POSIX shell would source it, as far as the
 * format allows: only the assignments matter, and a line that is not a
 * plain assignment is ignored rather than failing detection.
 */
#include <config.h>

#include <sys/utsname.h>

#include "config/platform.h"
#include "base/util.h"

/* Longest value from os-release or uname quoted in a message. */
#define QUOTE_MAX 64

static const char supported[] =
	"runtime registries know ubuntu (Debian family), rhel (RHEL family) and amzn on amd64 or arm64";

static const struct {
	const char *id;
	const char *family;
} families[] = {
	{ "ubuntu", "ubuntu" }, { "debian", "ubuntu" }, { "rhel", "rhel" },
	{ "centos", "rhel" },	{ "rocky", "rhel" },	{ "almalinux", "rhel" },
	{ "fedora", "rhel" },	{ "ol", "rhel" },	{ "amzn", "amzn" },
};

static const struct {
	const char *machine;
	const char *arch;
} arches[] = {
	{ "x86_64", "amd64" },
	{ "aarch64", "arm64" },
	{ "arm64", "arm64" },
};

static const char *const platforms[] = {
	"ubuntu-amd64", "ubuntu-arm64", "rhel-amd64", "rhel-arm64", "amzn-amd64", "amzn-arm64",
};

int jl_platform_valid(const char *platform)
{
	if (platform)
		for (size_t i = 0; i < ELEMENTSOF(platforms); i++)
			if (strcmp(platform, platforms[i]) == 0)
				return 1;
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool is_key_char(char c, bool first)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	       (!first && c >= '0' && c <= '9');
}

/*
 * Decode one shell word at *pp (unquoted, "double" and 'single' quoted
 * parts, concatenated) into out, which has room for ret_len + 1 bytes from
 * an earlier call with out NULL.  *pp is left after the word; ret_len (may
 * be NULL) gets the decoded length.  Returns -1 for an unterminated quote.
 */
static int decode_word(const char **pp, char *out, size_t *ret_len)
{
	const char *p = *pp;
	size_t n = 0;

#define EMIT(c)                                                                                    \
	do {                                                                                       \
		char emit_c_ = (c);                                                                \
		if (out)                                                                           \
			out[n] = emit_c_;                                                          \
		n++;                                                                               \
	} while (0)

	for (;;) {
		char c = *p;

		if (c == '\0' || c == '\n' || is_blank(c))
			break;
		if (c == '"') {
			for (p++; *p != '"'; p++) {
				if (*p == '\0')
					return -1;
				if (*p == '\\' && p[1] == '\n') {
					p++; /* line continuation: both go */
				} else if (*p == '\\' && p[1] && strchr("\"\\$`", p[1])) {
					p++;
					EMIT(*p);
				} else {
					EMIT(*p);
				}
			}
			p++;
		} else if (c == '\'') {
			for (p++; *p != '\''; p++) {
				if (*p == '\0')
					return -1;
				EMIT(*p);
			}
			p++;
		} else if (c == '\\') {
			if (p[1] == '\n') {
				p += 2;
			} else if (p[1]) {
				EMIT(p[1]);
				p += 2;
			} else {
				p++;
			}
		} else {
			EMIT(c);
			p++;
		}
	}
#undef EMIT
	if (out)
		out[n] = '\0';
	if (ret_len)
		*ret_len = n;
	*pp = p;
	return 0;
}

/* ID and ID_LIKE from os-release text (NULL when absent); -ENOMEM. */
static int parse_os_release(const char *data, char **ret_id, char **ret_id_like)
{
	_cleanup_free_ char *id = NULL, *id_like = NULL;
	const char *p = data;

	while (*p) {
		_cleanup_free_ char *value = NULL;
		const char *key;
		char **slot = NULL;
		size_t key_len;
		bool good;

		while (is_blank(*p))
			p++;
		key = p;
		if (is_key_char(*p, true))
			for (p++; is_key_char(*p, false); p++)
				;
		key_len = (size_t)(p - key);
		good = key_len > 0 && *p == '=';
		if (good) {
			p++;
			if (key_len == 2 && memcmp(key, "ID", 2) == 0)
				slot = &id;
			else if (key_len == 7 && memcmp(key, "ID_LIKE", 7) == 0)
				slot = &id_like;
			if (slot) {
				const char *q = p;
				size_t len;

				/* Measure first: a line costs what it is long, once more. */
				if (decode_word(&q, NULL, &len) < 0)
					break;
				value = malloc(len + 1);
				if (!value)
					return -ENOMEM;
			}
			if (decode_word(&p, value, NULL) < 0)
				break; /* an unterminated quote runs to the end */
			/* Only blanks or a comment may follow ("ID=a b" would run `b`). */
			while (is_blank(*p))
				p++;
			good = *p == '\0' || *p == '\n' || *p == '#';
		}
		/* Comments, blank lines, junk: skip to the next line. */
		while (*p && *p != '\n')
			p++;
		if (*p == '\n')
			p++;
		if (good && slot) {
			free(*slot);
			*slot = TAKE_PTR(value);
		}
	}
	*ret_id = TAKE_PTR(id);
	*ret_id_like = TAKE_PTR(id_like);
	return 0;
}

static const char *family_of(const char *word, size_t len)
{
	for (size_t i = 0; i < ELEMENTSOF(families); i++)
		if (strlen(families[i].id) == len && memcmp(families[i].id, word, len) == 0)
			return families[i].family;
	return NULL;
}

static const char *arch_of(const char *machine)
{
	for (size_t i = 0; i < ELEMENTSOF(arches); i++)
		if (strcmp(arches[i].machine, machine) == 0)
			return arches[i].arch;
	return NULL;
}

static const char *family_from(const char *id, const char *id_like)
{
	const char *family = family_of(id, strlen(id));
	const char *p = id_like;

	while (!family && p && *p) {
		size_t len;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		len = strcspn(p, " \t\n");
		if (len > 0)
			family = family_of(p, len);
		p += len;
	}
	return family;
}

static int read_os_release(const char *path, char **ret_data, struct joblet_error **err)
{
	_cleanup_error_ struct joblet_error *e = NULL;
	int r;

	if (path) {
		r = jl_read_file(path, JL_OS_RELEASE_MAX_BYTES, ret_data, NULL, err);
		if (r < 0)
			return joblet_error_prefix(err, r, "cannot tell the platform of this host");
		return 0;
	}
	r = jl_read_file("/etc/os-release", JL_OS_RELEASE_MAX_BYTES, ret_data, NULL, &e);
	if (r == -JOBLET_E_NOT_FOUND) {
		joblet_error_clear(&e);
		r = jl_read_file("/usr/lib/os-release", JL_OS_RELEASE_MAX_BYTES, ret_data, NULL,
				 &e);
		if (r == -JOBLET_E_NOT_FOUND)
			return joblet_error_set(
				err, JOBLET_E_UNSUPPORTED, 0,
				"cannot tell which OS this host runs: neither `/etc/os-release` nor `/usr/lib/os-release` exists; %s",
				supported);
	}
	if (r < 0) {
		joblet_error_move(err, &e);
		return joblet_error_prefix(err, r, "cannot tell the platform of this host");
	}
	return 0;
}

int jl_platform_detect(const char *os_release_path, const char *machine, char **ret_platform,
		       struct joblet_error **err)
{
	_cleanup_free_ char *data = NULL, *id = NULL, *id_like = NULL, *platform = NULL;
	const char *family, *arch, *shown_id;
	struct utsname u;
	int r;

	if (!machine) {
		if (uname(&u) < 0)
			return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
						"cannot tell the architecture of this host");
		machine = u.machine;
	}
	r = read_os_release(os_release_path, &data, err);
	if (r < 0)
		return r;
	if (parse_os_release(data, &id, &id_like) < 0)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read os-release");

	/* os-release(5): "If not set, a default of "ID=linux" may be used." */
	shown_id = id && *id ? id : "linux";
	family = family_from(shown_id, id_like);
	arch = arch_of(machine);
	if (!family || !arch) {
		if (id_like && *id_like)
			return joblet_error_set(err, JOBLET_E_UNSUPPORTED, 0,
						"this host is `%.*s` (like `%.*s`) on `%.*s`; %s",
						QUOTE_MAX, shown_id, QUOTE_MAX, id_like, QUOTE_MAX,
						machine, supported);
		return joblet_error_set(err, JOBLET_E_UNSUPPORTED, 0,
					"this host is `%.*s` on `%.*s`; %s", QUOTE_MAX, shown_id,
					QUOTE_MAX, machine, supported);
	}
	platform = jl_strdup_printf("%s-%s", family, arch);
	if (!platform)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot tell the platform");
	*ret_platform = TAKE_PTR(platform);
	return 0;
}

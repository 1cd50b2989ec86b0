/*
 * semver.c - Semantic Versioning 2.0.0: parsing and precedence (jl_semver_*).
 *
 * The parser works on a view (pointers into the text) so that comparing two
 * strings never allocates and cannot fail; only jl_semver_parse() copies the
 * identifiers out.
 */
#include <config.h>

#include "runtime/semver.h"
#include "base/util.h"

/* Longest part of the user's text quoted in a message. */
#define QUOTE_MAX 128

struct view {
	uint64_t number[3];
	const char *pre; /* NULL when there is no pre-release */
	size_t pre_len;
	const char *build; /* NULL when there is no build metadata */
	size_t build_len;
};

enum fault_kind {
	FAULT_EMPTY = 1,
	FAULT_V,
	FAULT_SPACE,
	FAULT_SHAPE,
	FAULT_TRAILING,
	FAULT_LEADING_ZERO,
	FAULT_OVERFLOW,
	FAULT_EMPTY_ID,
	FAULT_CHAR,
	FAULT_PRE_ZERO,
};

/* What is wrong, and where (at/len point into the text). */
struct fault {
	enum fault_kind kind;
	const char *at;
	size_t len;
	bool in_build; /* FAULT_EMPTY_ID, FAULT_CHAR: in the build metadata, not the pre-release */
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* [0-9A-Za-z-], independent of the locale. */
static bool is_ident_char(char c)
{
	return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int set_fault(struct fault *f, enum fault_kind kind, const char *at, size_t len)
{
	f->kind = kind;
	f->at = at;
	f->len = len;
	return -1;
}

/*
 * Dot-separated identifiers from *pp up to the end (build) or up to the end
 * or `+` (pre-release); *pp is left on the character that ended them.
 */
static int scan_identifiers(const char **pp, bool build, struct fault *f)
{
	const char *p = *pp;

	f->in_build = build;
	for (;;) {
		const char *id = p;
		bool numeric = true;
		size_t len;

		while (is_ident_char(*p)) {
			if (!is_digit(*p))
				numeric = false;
			p++;
		}
		len = (size_t)(p - id);
		if (len == 0) {
			if (*p != '\0' && *p != '.' && (build || *p != '+'))
				return set_fault(f, FAULT_CHAR, p, 1);
			return set_fault(f, FAULT_EMPTY_ID, id, 0);
		}
		if (!build && numeric && len > 1 && id[0] == '0')
			return set_fault(f, FAULT_PRE_ZERO, id, len);
		if (*p == '.') {
			p++;
			continue;
		}
		if (*p == '\0' || (!build && *p == '+'))
			break;
		return set_fault(f, FAULT_CHAR, p, 1);
	}
	*pp = p;
	return 0;
}

static int parse_view(const char *text, struct view *v, struct fault *f)
{
	const char *p = text;

	if (!text || !*text)
		return set_fault(f, FAULT_EMPTY, text, 0);
	for (const char *s = text; *s; s++)
		if (is_space(*s))
			return set_fault(f, FAULT_SPACE, s, 1);
	if ((*p == 'v' || *p == 'V') && is_digit(p[1]))
		return set_fault(f, FAULT_V, p, 1);

	for (int i = 0; i < 3; i++) {
		const char *start = p;
		bool overflow = false;
		uint64_t n = 0;

		if (!is_digit(*p))
			return set_fault(f, FAULT_SHAPE, p, 0);
		for (; is_digit(*p); p++) {
			unsigned d = (unsigned)(*p - '0');

			if (n > (UINT64_MAX - d) / 10)
				overflow = true;
			else
				n = n * 10 + d;
		}
		if (p - start > 1 && *start == '0')
			return set_fault(f, FAULT_LEADING_ZERO, start, (size_t)(p - start));
		if (overflow)
			return set_fault(f, FAULT_OVERFLOW, start, (size_t)(p - start));
		v->number[i] = n;
		if (i < 2) {
			if (*p != '.')
				return set_fault(f, FAULT_SHAPE, p, 0);
			p++;
		}
	}

	v->pre = NULL;
	v->pre_len = 0;
	v->build = NULL;
	v->build_len = 0;
	if (*p == '-') {
		v->pre = ++p;
		if (scan_identifiers(&p, false, f) < 0)
			return -1;
		v->pre_len = (size_t)(p - v->pre);
	}
	if (*p == '+') {
		v->build = ++p;
		if (scan_identifiers(&p, true, f) < 0)
			return -1;
		v->build_len = (size_t)(p - v->build);
	}
	if (*p != '\0')
		return set_fault(f, FAULT_TRAILING, p, strlen(p));
	return 0;
}

static char *fault_reason(const struct fault *f)
{
	const char *part = f->in_build ? "build metadata" : "pre-release";
	int len = f->len > QUOTE_MAX ? QUOTE_MAX : (int)f->len;
	const char *more = f->len > QUOTE_MAX ? "..." : "";
	unsigned char c = f->at ? (unsigned char)*f->at : 0;

	switch (f->kind) {
	case FAULT_V:
		return jl_strdup_printf("remove the leading `%c`", c);
	case FAULT_SPACE:
		return strdup("it contains whitespace");
	case FAULT_SHAPE:
		return strdup("it does not start with three numbers MAJOR.MINOR.PATCH");
	case FAULT_TRAILING:
		return jl_strdup_printf(
			"`%.*s%s` follows MAJOR.MINOR.PATCH, where only -PRERELEASE and +BUILD may",
			len, f->at, more);
	case FAULT_LEADING_ZERO:
		return jl_strdup_printf("`%.*s%s` has a leading zero", len, f->at, more);
	case FAULT_OVERFLOW:
		return jl_strdup_printf("`%.*s%s` is larger than %llu", len, f->at, more,
					(unsigned long long)UINT64_MAX);
	case FAULT_EMPTY_ID:
		return jl_strdup_printf("the %s has an empty identifier", part);
	case FAULT_CHAR:
		if (c > ' ' && c < 0x7f)
			return jl_strdup_printf(
				"`%c` is not allowed in the %s (only 0-9, A-Z, a-z, `-` and dots between identifiers)",
				c, part);
		return jl_strdup_printf(
			"byte 0x%02x is not allowed in the %s (only 0-9, A-Z, a-z, `-` and dots between identifiers)",
			c, part);
	case FAULT_PRE_ZERO:
		return jl_strdup_printf(
			"numeric pre-release identifier `%.*s%s` has a leading zero", len, f->at,
			more);
	case FAULT_EMPTY:
		break;
	}
	return strdup("it is malformed");
}

static int fault_error(const char *text, const struct fault *f, struct joblet_error **err)
{
	static const char accepted[] =
		"use MAJOR.MINOR.PATCH with no leading zeros, optionally followed by -PRERELEASE and +BUILD, e.g. 1.2.3 or 3.0.0-rc1";
	_cleanup_free_ char *reason = NULL;
	size_t len;

	if (f->kind == FAULT_EMPTY)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"an empty string is not a semantic version; %s", accepted);
	reason = fault_reason(f);
	if (!reason)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot parse a version");
	len = strlen(text);
	return joblet_error_set(err, JOBLET_E_INVALID, 0,
				"`%.*s%s` is not a semantic version: %s; %s",
				len > QUOTE_MAX ? QUOTE_MAX : (int)len, text,
				len > QUOTE_MAX ? "..." : "", reason, accepted);
}

int jl_semver_parse(const char *text, struct jl_semver *ret, struct joblet_error **err)
{
	_cleanup_free_ char *pre = NULL, *build = NULL;
	struct fault f = { 0 };
	struct view v;

	if (parse_view(text, &v, &f) < 0)
		return fault_error(text, &f, err);
	if (v.pre) {
		pre = strndup(v.pre, v.pre_len);
		if (!pre)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot parse `%s`",
						text);
	}
	if (v.build) {
		build = strndup(v.build, v.build_len);
		if (!build)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot parse `%s`",
						text);
	}
	ret->major = v.number[0];
	ret->minor = v.number[1];
	ret->patch = v.number[2];
	ret->prerelease = TAKE_PTR(pre);
	ret->build = TAKE_PTR(build);
	return 0;
}

void jl_semver_done(struct jl_semver *v)
{
	if (!v)
		return;
	free(v->prerelease);
	free(v->build);
	*v = (struct jl_semver){ 0 };
}

static int sign(int c)
{
	return (c > 0) - (c < 0);
}

static bool all_digits(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

/* One identifier against another (section 11.4.1 to 11.4.3). */
static int compare_identifier(const char *a, size_t alen, const char *b, size_t blen)
{
	bool anum = all_digits(a, alen), bnum = all_digits(b, blen);
	int c;

	if (anum && bnum) {
		/*
		 * Numbers of any length: the longer one is larger, equal lengths
		 * compare digit by digit.  Leading zeros (only in structs not made
		 * by the parser) are skipped so that the order stays numeric.
		 */
		while (alen > 1 && *a == '0')
			a++, alen--;
		while (blen > 1 && *b == '0')
			b++, blen--;
		if (alen != blen)
			return alen < blen ? -1 : 1;
		return sign(memcmp(a, b, alen));
	}
	if (anum != bnum)
		return anum ? -1 : 1;
	c = memcmp(a, b, alen < blen ? alen : blen);
	if (c != 0)
		return sign(c);
	return alen == blen ? 0 : alen < blen ? -1 : 1;
}

/* Pre-release against pre-release; length 0 means none (section 11.3, 11.4.4). */
static int compare_prerelease(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t ia = 0, ib = 0;

	if (alen == 0 || blen == 0)
		return alen == blen ? 0 : alen == 0 ? 1 : -1;
	for (;;) {
		size_t ea = ia, eb = ib;
		int c;

		while (ea < alen && a[ea] != '.')
			ea++;
		while (eb < blen && b[eb] != '.')
			eb++;
		c = compare_identifier(a + ia, ea - ia, b + ib, eb - ib);
		if (c != 0)
			return c;
		if (ea == alen || eb == blen)
			return ea == alen && eb == blen ? 0 : ea == alen ? -1 : 1;
		ia = ea + 1;
		ib = eb + 1;
	}
}

static int compare_views(const struct view *a, const struct view *b)
{
	for (int i = 0; i < 3; i++)
		if (a->number[i] != b->number[i])
			return a->number[i] < b->number[i] ? -1 : 1;
	return compare_prerelease(a->pre, a->pre_len, b->pre, b->pre_len);
}

static void view_of(const struct jl_semver *v, struct view *ret)
{
	*ret = (struct view){
		.number = { v->major, v->minor, v->patch },
		.pre = v->prerelease,
		.pre_len = v->prerelease ? strlen(v->prerelease) : 0,
	};
}

int jl_semver_compare(const struct jl_semver *a, const struct jl_semver *b)
{
	struct view va, vb;

	view_of(a, &va);
	view_of(b, &vb);
	return compare_views(&va, &vb);
}

int jl_semver_compare_text(const char *a, const char *b)
{
	struct view va, vb;
	struct fault f;
	bool aok = parse_view(a, &va, &f) == 0;
	bool bok = parse_view(b, &vb, &f) == 0;

	if (aok && bok)
		return compare_views(&va, &vb);
	if (aok != bok)
		return aok ? 1 : -1;
	return sign(strcmp(a ? a : "", b ? b : ""));
}

/*
 * cli_complete.c - shell completion from the command tables (jl_cli_complete).
 *
 * The flags and arguments of a command are read from the same usage and help
 * text --help prints, so a new command or flag is completed as soon as it is
 * documented, and never one that is not.
 */
#include <config.h>

#include "common/cli.h"

#include "base/util.h"

#define MAX_FLAGS 64
#define MAX_POS	  8
#define WORD_MAX  64

struct flag {
	char name[WORD_MAX];	/* "--max-cpu", "-e" */
	char metavar[WORD_MAX]; /* "PCT"; "" when it takes no value */
	bool eq;		/* the value follows `=` (--x=V), not as the next word */
	bool optional;		/* --x[=V]: a value only with `=` */
};

/* What a command takes, as its usage and help say. */
struct spec {
	struct flag flags[MAX_FLAGS];
	size_t n_flags;
	char pos[MAX_POS][WORD_MAX]; /* positional metavars, in order */
	size_t n_pos;
	bool pos_repeats; /* the last positional may be given again (ARGS...) */
};

/* What the built-in kinds are; a program's own table comes first. */
static const struct jl_cli_value_kind builtin_kinds[] = {
	{ NULL, "FILE", ":files" }, { NULL, "DEST", ":files" }, { NULL, "OUT", ":files" },
	{ NULL, "ARGS", ":files" }, { NULL, "DIR", ":dirs" },	{ NULL, "COMMAND", ":commands" },
	{ NULL, NULL, NULL },
};

static void copy_word(char *dst, const char *src, size_t n)
{
	if (n >= WORD_MAX)
		n = WORD_MAX - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* A metavariable: starts with a capital and has no small letter ("K=V", "NAME[@VER]"). */
static bool is_metavar(const char *w, size_t n)
{
	if (n == 0 || w[0] < 'A' || w[0] > 'Z')
		return false;
	for (size_t i = 0; i < n; i++)
		if (w[i] >= 'a' && w[i] <= 'z')
			return false;
	return true;
}

static struct flag *spec_find(struct spec *s, const char *name, size_t n)
{
	for (size_t i = 0; i < s->n_flags; i++)
		if (strlen(s->flags[i].name) == n && strncmp(s->flags[i].name, name, n) == 0)
			return &s->flags[i];
	return NULL;
}

/* Add the flag name[0..n) (a later mention may add the value an earlier one lacked). */
static struct flag *spec_add(struct spec *s, const char *name, size_t n)
{
	struct flag *f = spec_find(s, name, n);

	if (n < 2 || name[0] != '-' || (n == 2 && name[1] == '-'))
		return NULL;
	if (f)
		return f;
	if (s->n_flags == MAX_FLAGS)
		return NULL;
	f = &s->flags[s->n_flags++];
	memset(f, 0, sizeof(*f));
	copy_word(f->name, name, n);
	return f;
}

static void flag_value(struct flag *f, const char *metavar, size_t n, bool eq, bool optional)
{
	if (!f || f->metavar[0])
		return;
	copy_word(f->metavar, metavar, n);
	f->eq = eq;
	f->optional = optional;
}

/* The flags one word names, for the value a later word may give them. */
struct named {
	struct flag *f[4];
	size_t n;
};

static void named_value(struct named *nm, const char *metavar, size_t n, bool eq, bool optional)
{
	for (size_t k = 0; k < nm->n; k++)
		flag_value(nm->f[k], metavar, n, eq, optional);
}

/*
 * One word naming flags: "-f", "-o|--output", "--by=cpu|memory",
 * "--registry[=SPEC]", "-e,".  Adds them to s and to nm; the value is set
 * here when it is joined by `=`.  Returns true when it was.
 */
static bool add_flag_word(struct spec *s, const char *w, size_t len, struct named *nm)
{
	size_t names = strcspn(w, "=[,");
	size_t i = 0, start = nm->n;
	struct named joined;

	if (names > len)
		names = len;
	while (i < names) {
		size_t n = strcspn(w + i, "|");
		struct flag *f;

		if (i + n > names)
			n = names - i;
		f = spec_add(s, w + i, n);
		if (f && nm->n < sizeof(nm->f) / sizeof(nm->f[0]))
			nm->f[nm->n++] = f;
		i += n + 1;
	}
	joined.n = nm->n - start;
	memcpy(joined.f, nm->f + start, joined.n * sizeof(joined.f[0]));
	if (names + 1 < len && w[names] == '=') {
		named_value(&joined, w + names + 1, len - names - 1, true, false);
		return true;
	}
	if (names + 2 < len && w[names] == '[' && w[names + 1] == '=') {
		size_t m = len - names - 2;

		if (m > 0 && w[names + 2 + m - 1] == ']')
			m--;
		named_value(&joined, w + names + 2, m, true, true);
		return true;
	}
	return false;
}

/* The end of a usage item at p: a word, or a bracketed group with what it nests. */
static const char *item_end(const char *p)
{
	int depth = 0;

	for (; *p; p++) {
		if (*p == '[')
			depth++;
		else if (*p == ']' && depth > 0)
			depth--;
		else if ((*p == ' ' || *p == '\n' || *p == '\t') && depth == 0)
			break;
	}
	return p;
}

/*
 * The usage: "ID PATH [-o|--output DEST] [--force]", "--dir DIR [--ip ADDR]...",
 * "[JOB FLAGS] [-f] [--] COMMAND [ARGS...]".
 */
static void read_usage(struct spec *s, const char *usage, bool leaf)
{
	const char *p = usage;
	struct named pending = { 0 }; /* flags of a bare `--dir`: the next item may be its value */

	while (p && *p) {
		const char *end, *w;
		bool bracketed, repeats = false;
		size_t n, first;

		p += strspn(p, " \n\t");
		if (!*p)
			break;
		end = item_end(p);
		w = p;
		n = (size_t)(end - p);
		p = end;
		if (n >= 3 && strncmp(w + n - 3, "...", 3) == 0) {
			n -= 3;
			repeats = true;
		}
		bracketed = n >= 2 && w[0] == '[' && w[n - 1] == ']';
		if (bracketed) {
			w++;
			n -= 2;
		}
		if (n >= 3 && strncmp(w + n - 3, "...", 3) == 0) {
			n -= 3;
			repeats = true;
		}
		first = strcspn(w, " \n\t");
		if (first > n)
			first = n;
		if (w[0] == '-') {
			struct named nm = { 0 };
			const char *v = w + first;

			add_flag_word(s, w, first, &nm);
			v += strspn(v, " \n\t");
			if (v < w + n && is_metavar(v, (size_t)(w + n - v)))
				named_value(&nm, v, (size_t)(w + n - v), false, false);
			pending.n = 0;
			if (!bracketed)
				pending = nm;
			continue;
		}
		if (pending.n && !bracketed && first == n && is_metavar(w, n)) {
			named_value(&pending, w, n, false, false);
			pending.n = 0;
			continue;
		}
		pending.n = 0;
		/* "[JOB FLAGS]" stands for flags listed in the help; "<command>" for a group. */
		if (!leaf || first != n || w[0] == '<' || s->n_pos == MAX_POS)
			continue;
		copy_word(s->pos[s->n_pos++], w, n);
		s->pos_repeats = repeats;
	}
}

/* Option lines of the help: "  -e, --env K=V        text", "  --json   text". */
static void read_help_line(struct spec *s, const char *line, size_t len)
{
	const char *p = line, *end = line + len;
	struct named nm = { 0 };

	while (p < end) {
		size_t n;

		p += strspn(p, " ");
		if (p >= end)
			break;
		n = strcspn(p, " \n");
		if (p + n > end)
			n = (size_t)(end - p);
		if (p[0] != '-') {
			/* "--env K=V": a value named after the flags is theirs. */
			if (is_metavar(p, n))
				named_value(&nm, p, n, false, false);
			break;
		}
		p += n;
		/* "--max-cpu=PCT text": the value came with it. */
		if (add_flag_word(s, p - n, n, &nm))
			break;
		/* "-e, --env K=V": the flags of one line take the same value. */
		if (p[-1] == ',')
			continue;
		/* Two spaces end the option; its description follows. */
		if (p + 1 >= end || (p[0] == ' ' && p[1] == ' '))
			break;
	}
}

static void read_help(struct spec *s, const char *help)
{
	const char *line = help;

	while (line && *line) {
		size_t len = strcspn(line, "\n");
		size_t indent = strspn(line, " ");

		if (indent > 0 && indent < len && line[indent] == '-')
			read_help_line(s, line, len);
		line += len + (line[len] == '\n');
	}
}

static void spec_read(struct spec *s, const struct jl_cli_command *cmd)
{
	memset(s, 0, sizeof(*s));
	read_usage(s, cmd->usage, !cmd->subcommands);
	read_help(s, cmd->help);
	spec_add(s, "--help", 6);
}

/* The flag a word (`--x`, `--x=V`) names in s, or NULL. */
static struct flag *spec_flag(struct spec *s, const char *word)
{
	return spec_find(s, word, strcspn(word, "="));
}

static const struct jl_cli_command *find(const struct jl_cli_command *table, const char *name)
{
	for (const struct jl_cli_command *c = table; c && c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static const char *kind_in(const struct jl_cli_value_kind *t, const char *context,
			   const char *metavar)
{
	for (; t && t->metavar; t++)
		if (strcmp(t->metavar, metavar) == 0 &&
		    (!t->context || (context && strcmp(t->context, context) == 0)))
			return t->kind;
	return NULL;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* "cpu|memory": the words themselves. */
static bool print_alternatives(const char *metavar, const char *prefix, const char *cur, FILE *out)
{
	const char *p = metavar;

	if (!strchr(metavar, '|') ||
	    strspn(metavar, "abcdefghijklmnopqrstuvwxyz0123456789-_|") != strlen(metavar))
		return false;
	while (*p) {
		size_t n = strcspn(p, "|");

		if (strncmp(p, cur, strlen(cur)) == 0 && n >= strlen(cur))
			fprintf(out, "%s%.*s\n", prefix, (int)n, p);
		p += n + (p[n] == '|');
	}
	return true;
}

/* The values of metavar (of the flag or group context) that start with cur, after prefix. */
static void complete_value(struct jl_cli_completion *c, const char *context, const char *metavar,
			   const char *prefix, const char *cur, FILE *out)
{
	const char *kind = kind_in(c->kinds, context, metavar);
	char *buf = NULL, *line;
	size_t size = 0;
	FILE *mem;

	if (!kind)
		kind = kind_in(builtin_kinds, context, metavar);
	if (!kind) {
		print_alternatives(metavar, prefix, cur, out);
		return;
	}
	if (kind[0] == ':') {
		fprintf(out, "%s\n", kind);
		return;
	}
	if (!c->values || !(mem = open_memstream(&buf, &size)))
		return;
	c->values(c, kind, mem);
	if (fclose(mem) != 0) {
		free(buf);
		return;
	}
	for (line = buf; line && *line;) {
		size_t n = strcspn(line, "\n");

		if (n > 0 && n >= strlen(cur) && strncmp(line, cur, strlen(cur)) == 0)
			fprintf(out, "%s%.*s\n", prefix, (int)n, line);
		line += n + (line[n] == '\n');
	}
	free(buf);
}

static void complete_flags(struct spec *s, const char *cur, FILE *out)
{
	for (size_t i = 0; i < s->n_flags; i++) {
		const struct flag *f = &s->flags[i];

		if (!starts_with(f->name, cur))
			continue;
		/* A value after `=` is typed on: no space after the `=`. */
		fprintf(out, "%s%s\n", f->name, f->eq && !f->optional ? "=" : "");
	}
}

/* Where the walk over the words ended. */
struct walk {
	const struct jl_cli_command *cmd;
	const char *group; /* the name of cmd's group, or NULL at the root */
	struct spec spec;
	const struct flag *pending; /* a flag whose value is the word being completed */
	size_t pos;		    /* how many arguments came before */
	bool rest;		    /* after `--` or a COMMAND: no more flags */
	bool help;		    /* after `help`: only command names */
	bool lost;		    /* a word that is no command: nothing to offer */
};

static void walk_word(struct jl_cli_completion *c, struct walk *w, const char *word, int i)
{
	const struct jl_cli_command *sub;

	if (w->pending) {
		w->pending = NULL;
		return;
	}
	if (!w->rest && strcmp(word, "--") == 0 && !w->cmd->subcommands) {
		w->rest = true;
		return;
	}
	if (!w->rest && word[0] == '-' && word[1]) {
		const struct flag *f = spec_flag(&w->spec, word);

		if (f && f->metavar[0] && !f->eq && !strchr(word, '='))
			w->pending = f;
		return;
	}
	if (w->cmd->subcommands) {
		if (strcmp(word, "help") == 0 && !find(w->cmd->subcommands, "help")) {
			w->help = true;
			return;
		}
		sub = find(w->cmd->subcommands, word);
		if (!sub) {
			w->lost = true;
			return;
		}
		if (w->cmd == c->root)
			c->nglobal = i;
		w->group = w->cmd == c->root ? NULL : w->cmd->name;
		w->cmd = sub;
		spec_read(&w->spec, sub);
		return;
	}
	if (w->pos < w->spec.n_pos && strcmp(w->spec.pos[w->pos], "COMMAND") == 0)
		w->rest = true;
	w->pos++;
}

int jl_cli_complete(struct jl_cli_completion *c, int argc, char **argv, FILE *out)
{
	struct walk *w;
	const char *cur, *eq;

	if (argc < 1 || !c->root || !c->root->subcommands)
		return JL_EXIT_OK;
	w = calloc(1, sizeof(*w));
	if (!w)
		return JL_EXIT_OK;
	c->words = argv;
	c->nglobal = argc - 1;
	w->cmd = c->root;
	spec_read(&w->spec, c->root);
	for (int i = 1; i < argc - 1 && !w->lost; i++)
		walk_word(c, w, argv[i], i);
	cur = argv[argc - 1];
	if (w->lost || (w->help && !w->cmd->subcommands)) {
		/* nothing */
	} else if (w->pending) {
		complete_value(c, w->pending->name, w->pending->metavar, "", cur, out);
	} else if (!w->rest && cur[0] == '-' && !w->help) {
		const struct flag *f = spec_flag(&w->spec, cur);

		eq = strchr(cur, '=');
		if (eq && f && f->metavar[0]) {
			char prefix[WORD_MAX + 1];

			snprintf(prefix, sizeof(prefix), "%.*s", (int)(eq - cur + 1), cur);
			complete_value(c, f->name, f->metavar, prefix, eq + 1, out);
		} else if (!eq)
			complete_flags(&w->spec, cur, out);
	} else if (w->cmd->subcommands) {
		for (const struct jl_cli_command *s = w->cmd->subcommands; s->name; s++)
			if (starts_with(s->name, cur))
				fprintf(out, "%s\n", s->name);
	} else if (w->pos < w->spec.n_pos || (w->spec.n_pos && w->spec.pos_repeats)) {
		size_t k = w->pos < w->spec.n_pos ? w->pos : w->spec.n_pos - 1;

		complete_value(c, w->group, w->spec.pos[k], "", cur, out);
	}
	free(w);
	return JL_EXIT_OK;
}

const char *jl_cli_complete_option(const struct jl_cli_completion *c, const char *flag)
{
	size_t n = strlen(flag);

	for (int i = 1; c->words && i < c->nglobal; i++) {
		if (strcmp(c->words[i], flag) == 0 && i + 1 < c->nglobal)
			return c->words[i + 1];
		if (strncmp(c->words[i], flag, n) == 0 && c->words[i][n] == '=')
			return c->words[i] + n + 1;
	}
	return NULL;
}

static void list_below(FILE *out, const struct jl_cli_command *cmd, char *path, size_t size)
{
	size_t len = strlen(path);

	for (const struct jl_cli_command *s = cmd->subcommands; s && s->name; s++) {
		snprintf(path + len, size - len, " %s", s->name);
		fprintf(out, "%s %s\n", s->subcommands ? "group" : "leaf", path);
		list_below(out, s, path, size);
	}
	path[len] = '\0';
}

void jl_cli_list(FILE *out, const struct jl_cli_command *root)
{
	char path[256];

	snprintf(path, sizeof(path), "%s", root->name);
	list_below(out, root, path, sizeof(path));
}

int jl_cli_complete_main(struct jl_cli_completion *c, int argc, char **argv, FILE *out,
			 FILE *errout)
{
	const char *prog = c->root->name;

	if (argc >= 1 && strcmp(argv[0], "--list") == 0) {
		jl_cli_list(out, c->root);
		return JL_EXIT_OK;
	}
	if (argc < 1 || strcmp(argv[0], "--") != 0) {
		fprintf(errout,
			"%s: __complete is for the shell completion scripts: `%s __complete -- WORDS...` or `%s __complete --list`\n",
			prog, prog, prog);
		return JL_EXIT_USAGE;
	}
	return jl_cli_complete(c, argc - 1, argv + 1, out);
}

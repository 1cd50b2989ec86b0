/*
 * common/cli.h - command tables for joblet's programs.
 *
 * Compiled into `joblet` and `rnx` (core/common, not libjoblet) so both behave the
 * same: `--help`, `-h` and `help` work at every level, an unknown word is
 * an error that says how to see the commands, and the verbs each issue adds
 * are rows in a table.  Output goes only to the FILE the caller passes.
 *
 * Exit status convention: 0 success, 1 the operation failed, 2 usage error.
 */
#ifndef JL_CLI_H
#define JL_CLI_H

#include <stdint.h>
#include <stdio.h>

#define JL_EXIT_OK	0
#define JL_EXIT_FAILURE 1
#define JL_EXIT_USAGE	2

struct jl_cli_command {
	const char *name;    /* the word typed; NULL ends a table */
	const char *summary; /* one line, shown in the parent's help */
	const char *usage;   /* what follows the command words ("[--json] ID"), or NULL */
	const char *help;    /* further text: options, examples; or NULL */
	/*
	 * A leaf's action: argv[0] is the command's own name, options follow.
	 * Returns an exit status.  NULL for a group.
	 */
	int (*run)(int argc, char **argv, void *userdata);
	/* A group's commands (NULL-name terminated), or NULL for a leaf. */
	const struct jl_cli_command *subcommands;
	/*
	 * Example command lines, one per line ("rnx job list --status=RUNNING\n"),
	 * printed by --help under "Examples:"; or NULL.  Every leaf has one
	 * (tests/integration/test_completion.sh checks).
	 */
	const char *examples;
};

/*
 * Run the command named by argv (argv[0] is the first command word, not the
 * program) below root, whose name is the program name.  Prints help to out
 * when asked, and usage errors to errout.  Returns an exit status.
 */
int jl_cli_dispatch(const struct jl_cli_command *root, int argc, char **argv, void *userdata,
		    FILE *out, FILE *errout);

/*
 * Options of a leaf that takes only `--json` and no arguments (argv[0] is
 * the command).  Sets *json to 1 when --json is given.  Returns 0, or
 * prints a usage error naming `path` ("rnx plugins list") to errout and
 * returns JL_EXIT_USAGE.
 */
int jl_cli_parse_json_only(int argc, char **argv, const char *path, int *json, FILE *errout);

/* Print the help of cmd, whose full command words are `path` ("rnx plugins"). */
void jl_cli_print_help(FILE *out, const char *path, const struct jl_cli_command *cmd);

/*
 * Shell completion (cli_complete.c).  A program answers
 * `PROG __complete -- WORDS...` (the command line up to the cursor, WORDS[0]
 * the program, the last word the one being completed, maybe "") with
 * jl_cli_complete(), and `PROG __complete --list` with jl_cli_list(); the
 * scripts of contrib/completion only relay.  The flags of a command are read
 * from its usage and help text (`--x=V`, `[-o|--output DEST]`, and option
 * lines `  -e, --env K=V  text`), so completion offers what --help says.
 */

/* What a value named metavar (in the usage: "ID", "NAME[@VERSION]") completes to. */
struct jl_cli_value_kind {
	const char *context; /* a flag ("--runtime") or the command's group ("volume"); NULL: any */
	const char *metavar; /* as written in the usage or help; NULL ends a table */
	/*
	 * ":files", ":dirs", ":commands" (the shell completes those), or a name
	 * the program's values() callback knows ("jobs").
	 */
	const char *kind;
};

struct jl_cli_completion {
	const struct jl_cli_command *root;
	const struct jl_cli_value_kind *kinds; /* the program's (before built-in ones), or NULL */
	/*
	 * The values of kind, one per line to out (unfiltered); OPTIONAL.  Called
	 * at most once per completion; must give up quickly (a TAB waits).
	 */
	void (*values)(const struct jl_cli_completion *c, const char *kind, FILE *out);
	void *userdata;
	/* Set by jl_cli_complete() for values(): the words before the command's. */
	int nglobal;
	char **words;
};

/*
 * Print the candidates for the last of argv's argc words, one per line, to
 * out: command names, flags (`--x=` for those whose value follows `=`),
 * values, or one directive line `:files`, `:dirs` or `:commands` for the
 * shell.  Returns JL_EXIT_OK.
 */
int jl_cli_complete(struct jl_cli_completion *c, int argc, char **argv, FILE *out);

/*
 * The value of the root's option flag ("--config") among the words before
 * the command (`--config F` or `--config=F`), or NULL.  Borrowed from the words.
 */
const char *jl_cli_complete_option(const struct jl_cli_completion *c, const char *flag);

/* Every command below root, "group PATH" or "leaf PATH" a line ("leaf rnx job run"). */
void jl_cli_list(FILE *out, const struct jl_cli_command *root);

/*
 * `PROG __complete` with argv after it: `-- WORDS...` completes (above),
 * `--list` lists; anything else is a usage error on errout naming c->root's
 * program.  Returns an exit status.
 */
int jl_cli_complete_main(struct jl_cli_completion *c, int argc, char **argv, FILE *out,
			 FILE *errout);

#endif /* JL_CLI_H */

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

#endif /* JL_CLI_H */

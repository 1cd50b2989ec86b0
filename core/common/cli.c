/* cli.c - command tables for joblet and rnx (joblet_cli_*). */
#include <config.h>

#include <getopt.h>

#include "common/cli.h"

#include "base/util.h"

static bool is_help_word(const char *s)
{
	return strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0;
}

/* "Examples:" and each line of examples indented by two spaces. */
static void print_examples(FILE *out, const char *examples)
{
	if (!examples)
		return;
	fprintf(out, "\nExamples:\n");
	while (*examples) {
		size_t n = strcspn(examples, "\n");

		fprintf(out, "  %.*s\n", (int)n, examples);
		examples += n + (examples[n] == '\n');
	}
}

void jl_cli_print_help(FILE *out, const char *path, const struct jl_cli_command *cmd)
{
	size_t width = 0;

	if (cmd->subcommands) {
		fprintf(out, "Usage: %s %s\n", path,
			cmd->usage ? cmd->usage : "<command> [options]");
		if (cmd->summary)
			fprintf(out, "\n%s\n", cmd->summary);
		fprintf(out, "\nCommands:\n");
		for (const struct jl_cli_command *c = cmd->subcommands; c->name; c++)
			if (strlen(c->name) > width)
				width = strlen(c->name);
		for (const struct jl_cli_command *c = cmd->subcommands; c->name; c++)
			fprintf(out, "  %-*s  %s\n", (int)width, c->name,
				c->summary ? c->summary : "");
		if (cmd->help)
			fprintf(out, "\n%s", cmd->help);
		print_examples(out, cmd->examples);
		fprintf(out, "\nRun `%s <command> --help` for the options of a command.\n", path);
	} else {
		fprintf(out, "Usage: %s%s%s\n", path, cmd->usage ? " " : "",
			cmd->usage ? cmd->usage : "");
		if (cmd->summary)
			fprintf(out, "\n%s\n", cmd->summary);
		if (cmd->help)
			fprintf(out, "\n%s", cmd->help);
		print_examples(out, cmd->examples);
	}
}

static const struct jl_cli_command *find(const struct jl_cli_command *table, const char *name)
{
	for (const struct jl_cli_command *c = table; c && c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* " (did you mean `X`?)" for a mistyped command word, or "" (into buf). */
static const char *did_you_mean(const struct jl_cli_command *table, const char *word, char *buf,
				size_t size)
{
	const char *names[64];
	const char *best;
	size_t n = 0;

	for (const struct jl_cli_command *c = table; c && c->name && n < 64; c++)
		names[n++] = c->name;
	best = jl_closest_word(word, strlen(word), names, n);
	if (!best)
		return "";
	snprintf(buf, size, " (did you mean `%s`?)", best);
	return buf;
}

/* Append " word" to the command path (bounded; paths are a few words). */
static void path_push(char *path, size_t size, const char *word)
{
	size_t len = strlen(path);

	snprintf(path + len, size - len, " %s", word);
}

/* `help [words...]`: the help of the command those words name. */
static int help_for(const struct jl_cli_command *cmd, char *path, size_t size, int argc,
		    char **argv, FILE *out, FILE *errout)
{
	for (int i = 0; i < argc; i++) {
		const struct jl_cli_command *next = find(cmd->subcommands, argv[i]);

		if (!next) {
			char hint[96];

			fprintf(errout,
				"%s: `%s` is not a command%s; run `%s --help` to see the commands.\n",
				path, argv[i],
				did_you_mean(cmd->subcommands, argv[i], hint, sizeof(hint)), path);
			return JL_EXIT_USAGE;
		}
		path_push(path, size, argv[i]);
		cmd = next;
	}
	jl_cli_print_help(out, path, cmd);
	return JL_EXIT_OK;
}

int jl_cli_dispatch(const struct jl_cli_command *root, int argc, char **argv, void *userdata,
		    FILE *out, FILE *errout)
{
	const struct jl_cli_command *cmd = root;
	char path[256];
	int i = 0;

	snprintf(path, sizeof(path), "%s", root->name);
	if (!root->subcommands) {
		fprintf(errout, "%s: the root of a command table must be a group\n", path);
		return JL_EXIT_FAILURE;
	}
	while (cmd->subcommands) {
		const struct jl_cli_command *next;

		if (i >= argc) {
			jl_cli_print_help(errout, path, cmd);
			return JL_EXIT_USAGE;
		}
		if (is_help_word(argv[i])) {
			jl_cli_print_help(out, path, cmd);
			return JL_EXIT_OK;
		}
		if (strcmp(argv[i], "help") == 0 && !find(cmd->subcommands, "help"))
			return help_for(cmd, path, sizeof(path), argc - i - 1, argv + i + 1, out,
					errout);
		next = find(cmd->subcommands, argv[i]);
		if (!next) {
			if (argv[i][0] == '-')
				fprintf(errout,
					"%s: unknown option `%s` here; run `%s --help` to see the options.\n",
					path, argv[i], path);
			else {
				char hint[96];

				fprintf(errout,
					"%s: `%s` is not a command%s; run `%s --help` to see the commands.\n",
					path, argv[i],
					did_you_mean(cmd->subcommands, argv[i], hint, sizeof(hint)),
					path);
			}
			return JL_EXIT_USAGE;
		}
		path_push(path, sizeof(path), argv[i]);
		cmd = next;
		i++;
	}
	/* A leaf: --help anywhere before `--` wins over running it. */
	for (int j = i; j < argc; j++) {
		if (strcmp(argv[j], "--") == 0)
			break;
		if (is_help_word(argv[j])) {
			jl_cli_print_help(out, path, cmd);
			return JL_EXIT_OK;
		}
	}
	if (!cmd->run) {
		fprintf(errout, "%s: nothing to run\n", path);
		return JL_EXIT_FAILURE;
	}
	return cmd->run(argc - i + 1, argv + i - 1, userdata);
}

int jl_cli_parse_json_only(int argc, char **argv, const char *path, int *json, FILE *errout)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", options, NULL)) != -1) {
		if (c == 'j') {
			*json = 1;
			continue;
		}
		fprintf(errout, "%s: unknown option `%s`; run `%s --help` to see the options.\n",
			path, argv[optind - 1], path);
		return JL_EXIT_USAGE;
	}
	if (optind < argc) {
		fprintf(errout, "%s: unexpected argument `%s`; run `%s --help` for the usage.\n",
			path, argv[optind], path);
		return JL_EXIT_USAGE;
	}
	return 0;
}

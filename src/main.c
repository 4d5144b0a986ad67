// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpfapply: make the eBPF objects of a host match a YAML manifest.
 * main() parses the global options and dispatches through a command table,
 * as bpftool does.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/diag.h"
#include "core/paths.h"
#include "core/progress.h"

struct cmd {
	const char *name;
	int (*func)(const struct opts *o);
	unsigned allowed; /* OPT_* bits this command takes */
};

enum {
	OPT_FILES = 1 << 0,
	OPT_OUT = 1 << 1,
	OPT_DESTROY = 1 << 2,
	OPT_DETAILED = 1 << 3,
	OPT_SCOPE = 1 << 4,
	OPT_PLANFILE = 1 << 5,
	OPT_KERNEL = 1 << 6,
};

static int cmd_help(const struct opts *o);
static int cmd_version(const struct opts *o);

static const struct cmd cmds[] = {
	{ "validate", cmd_validate, OPT_FILES | OPT_KERNEL },
	{ "plan", cmd_plan, OPT_FILES | OPT_OUT | OPT_DESTROY | OPT_DETAILED },
	{ "apply", cmd_apply, OPT_FILES | OPT_DETAILED | OPT_PLANFILE },
	{ "destroy", cmd_destroy, OPT_FILES | OPT_SCOPE },
	{ "show", cmd_show, OPT_SCOPE },
	{ "graph", cmd_graph, OPT_FILES },
	{ "features", cmd_features, OPT_FILES },
	{ "version", cmd_version, 0 },
	{ "help", cmd_help, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: bpfapply [OPTIONS] COMMAND [ARGS]\n"
		"\n"
		"Make the eBPF objects of this host match a YAML manifest.\n"
		"\n"
		"Commands:\n"
		"  validate -f FILE... [--kernel]      check manifests offline (no root needed);\n"
		"                                      --kernel: also ask the running kernel\n"
		"  plan     -f FILE... [-o PLANFILE] [--destroy] [--detailed-exitcode]\n"
		"                                      show what apply would change\n"
		"  apply    (-f FILE... | PLANFILE) [--detailed-exitcode]\n"
		"                                      converge the kernel to the manifest\n"
		"  destroy  (-f FILE... | --scope NAME)\n"
		"                                      remove what the scope's state record owns\n"
		"  show     [--scope NAME]             managed objects, their live ids, drift\n"
		"  graph    -f FILE...                 dependency graph as Graphviz DOT\n"
		"  features [-f FILE...]               what this kernel supports, in the manifest's terms\n"
		"  version | help\n"
		"\n"
		"Options:\n"
		"  -f, --file FILE        manifest file (repeat for several files of one scope)\n"
		"  -o, --out PLANFILE     plan: save the plan for a later 'apply PLANFILE'\n"
		"      --destroy          plan: plan a destroy instead of an apply\n"
		"      --detailed-exitcode\n"
		"                         plan/apply: exit 0 nothing to change (changed), 2 changes\n"
		"                         pending (made), 1 error\n"
		"      --scope NAME       destroy/show: the scope to act on\n"
		"  -j, --json             JSON output (errors as {\"error\": ...})\n"
		"  -p, --pretty           pretty-printed JSON (implies -j)\n"
		"  -d, --debug            verbose diagnostics (whole verifier logs)\n"
		"      --root DIR         pin root (default %s, or $BPFAPPLY_ROOT)\n"
		"  -n, --nomount          never mount bpffs\n"
		"      --lock-timeout SECS\n"
		"                         wait at most SECS for the scope lock (default 30)\n"
		"      --no-color         no colour, even on a terminal\n"
		"      --progress         progress line on stderr for runs over a second, even\n"
		"                         when stderr is not a terminal (never with -j)\n"
		"      --no-progress      no progress line, even on a terminal\n"
		"  -h, --help             this help\n"
		"  -V, --version          print the version\n"
		"\n"
		"Exit status: 0 success, 1 error, 2 changes (only with --detailed-exitcode).\n"
		"See bpfapply(8) and bpfapply-manifest(5).\n",
		DEFAULT_ROOT);
}

static int cmd_help(const struct opts *o)
{
	(void)o;
	usage(stdout);
	return EXIT_OK;
}

static int cmd_version(const struct opts *o)
{
	(void)o;
	if (g_json)
		printf(o->pretty ? "{\n  \"version\": \"%s\"\n}\n" : "{\"version\":\"%s\"}\n",
		       BPFAPPLY_VERSION);
	else
		printf("bpfapply %s\n", BPFAPPLY_VERSION);
	return EXIT_OK;
}

enum {
	LOPT_DESTROY = 256,
	LOPT_DETAILED,
	LOPT_SCOPE,
	LOPT_ROOT,
	LOPT_LOCK_TIMEOUT,
	LOPT_NO_COLOR,
	LOPT_KERNEL,
	LOPT_PROGRESS,
	LOPT_NO_PROGRESS,
};

static const struct option long_opts[] = {
	{ "file", required_argument, NULL, 'f' },
	{ "out", required_argument, NULL, 'o' },
	{ "json", no_argument, NULL, 'j' },
	{ "pretty", no_argument, NULL, 'p' },
	{ "debug", no_argument, NULL, 'd' },
	{ "nomount", no_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "destroy", no_argument, NULL, LOPT_DESTROY },
	{ "detailed-exitcode", no_argument, NULL, LOPT_DETAILED },
	{ "scope", required_argument, NULL, LOPT_SCOPE },
	{ "root", required_argument, NULL, LOPT_ROOT },
	{ "lock-timeout", required_argument, NULL, LOPT_LOCK_TIMEOUT },
	{ "no-color", no_argument, NULL, LOPT_NO_COLOR },
	{ "kernel", no_argument, NULL, LOPT_KERNEL },
	{ "progress", no_argument, NULL, LOPT_PROGRESS },
	{ "no-progress", no_argument, NULL, LOPT_NO_PROGRESS },
	{ NULL, 0, NULL, 0 },
};

static int parse_timeout(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	/* nan compares false with everything and would wait forever */
	if (errno || end == s || *end || !isfinite(v) || v < 0) {
		err_msg("--lock-timeout: expected a number of seconds >= 0, got \"%s\"", s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* Returns the option bits seen, or -1 after printing an error. */
static int parse_opts(int argc, char **argv, struct opts *o, bool *help, bool *version,
		      enum progress_mode *progress_mode)
{
	unsigned seen = 0;
	int c;

	while ((c = getopt_long(argc, argv, "f:o:jpdnhV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (o->n_files == MAX_FILES) {
				err_msg("too many -f files (at most %d)", MAX_FILES);
				return -1;
			}
			o->files[o->n_files++] = optarg;
			seen |= OPT_FILES;
			break;
		case 'o': o->out = optarg; seen |= OPT_OUT; break;
		case 'j': g_json = true; break;
		case 'p': g_json = true; o->pretty = true; break;
		case 'd': g_debug++; break;
		case 'n': o->nomount = true; break;
		case 'h': *help = true; break;
		case 'V': *version = true; break;
		case LOPT_DESTROY: o->destroy = true; seen |= OPT_DESTROY; break;
		case LOPT_DETAILED: o->detailed_exitcode = true; seen |= OPT_DETAILED; break;
		case LOPT_SCOPE: o->scope = optarg; seen |= OPT_SCOPE; break;
		case LOPT_ROOT:
			if (!optarg[0]) {
				/* it would be the current directory, which bpffs would hide */
				err_msg("--root: expected a directory, got an empty path");
				return -1;
			}
			o->root = optarg;
			o->root_is_default = false;
			break;
		case LOPT_LOCK_TIMEOUT:
			if (parse_timeout(optarg, &o->lock_timeout))
				return -1;
			break;
		case LOPT_NO_COLOR: o->color = false; break;
		case LOPT_KERNEL: o->kernel = true; seen |= OPT_KERNEL; break;
		case LOPT_PROGRESS: *progress_mode = PROGRESS_ON; break;
		case LOPT_NO_PROGRESS: *progress_mode = PROGRESS_OFF; break;
		default:
			return -1; /* getopt printed the problem */
		}
	}
	return (int)seen;
}

static const char *opt_name(unsigned bit)
{
	switch (bit) {
	case OPT_FILES: return "-f";
	case OPT_OUT: return "-o";
	case OPT_DESTROY: return "--destroy";
	case OPT_DETAILED: return "--detailed-exitcode";
	case OPT_SCOPE: return "--scope";
	case OPT_PLANFILE: return "PLANFILE";
	case OPT_KERNEL: return "--kernel";
	}
	return "?";
}

static int dispatch(const struct cmd *cmd, unsigned seen, struct opts *o)
{
	unsigned bad = seen & ~cmd->allowed, bit;

	for (bit = 1; bad; bit <<= 1) {
		if (bad & bit) {
			err_msg("%s: %s is not valid for this command (see 'bpfapply help')",
				cmd->name, opt_name(bit));
			return EXIT_ERR;
		}
	}
	return cmd->func(o);
}

/* A relative --root is taken from here, and recorded absolute in saved plans. */
static int absolute_root(struct opts *o)
{
	static char buf[PATH_MAX];
	char cwd[PATH_MAX];

	if (o->root[0] == '/')
		return 0;
	if (!getcwd(cwd, sizeof(cwd)) ||
	    snprintf(buf, sizeof(buf), "%s/%s", cwd, o->root) >= (int)sizeof(buf)) {
		err_msg("--root %s: cannot make it an absolute path", o->root);
		return -1;
	}
	o->root = buf;
	return 0;
}

static void init_opts(struct opts *o)
{
	const char *env = getenv("BPFAPPLY_ROOT");

	memset(o, 0, sizeof(*o));
	o->root = env && *env ? env : DEFAULT_ROOT;
	o->root_is_default = !(env && *env);
	o->lock_timeout = 30;
	env = getenv("NO_COLOR"); /* no-color.org: set and not empty */
	o->color = isatty(STDOUT_FILENO) && !(env && *env);
}

int main(int argc, char **argv)
{
	enum progress_mode progress_mode = PROGRESS_AUTO;
	bool help = false, version = false;
	struct opts o;
	unsigned seen;
	size_t i;
	int rc;

	init_opts(&o);
	rc = parse_opts(argc, argv, &o, &help, &version, &progress_mode);
	if (rc < 0)
		return EXIT_ERR;
	seen = (unsigned)rc;
	if (help || version)
		return help ? cmd_help(&o) : cmd_version(&o);
	if (absolute_root(&o))
		return EXIT_ERR;
	if (optind >= argc) {
		usage(stderr);
		return EXIT_ERR;
	}
	if (o.pretty && !g_json)
		g_json = true;
	if (g_json)
		o.color = false;
	progress_init(progress_mode, g_json);
	if (optind + 2 == argc) {
		o.planfile = argv[optind + 1];
		seen |= OPT_PLANFILE;
	} else if (optind + 2 < argc) {
		err_msg("%s: unexpected argument '%s'", argv[optind], argv[optind + 2]);
		return EXIT_ERR;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[optind], cmds[i].name))
			return dispatch(&cmds[i], seen, &o);
	err_msg("unknown command '%s' (see 'bpfapply help')", argv[optind]);
	return EXIT_ERR;
}

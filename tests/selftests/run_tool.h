/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Run one of tcmk's tools from a kselftest and keep what it printed.
 */
#ifndef TCMK_RUN_TOOL_H
#define TCMK_RUN_TOOL_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define OUT_MAX		(128 * 1024)

/*
 * The tool @name: the path in the environment variable @env if it is set,
 * else the copy beside this test's binary, where 'make kselftest-install'
 * puts tcmkctl and tcmkstat. The result lives until the next call.
 */
static const char *tool_path(const char *env, const char *name)
{
	static char path[PATH_MAX + NAME_MAX + 2];
	const char *set = getenv(env);
	char self[PATH_MAX];
	ssize_t n;

	if (set)
		return set;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return name;
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(path, sizeof(path), "%s/%s", self, name);
	return path;
}

/**
 * struct tool_result - what one run of a tool did.
 * @status:	exit status, or -1 if it did not exit normally.
 * @out:	its standard output.
 * @err:	its standard error.
 */
struct tool_result {
	int status;
	char out[OUT_MAX];
	char err[OUT_MAX];
};

static void slurp(FILE *f, char *buf)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, OUT_MAX - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/*
 * Run the tool at @path with @args (NULL-terminated, at most 14), @input on
 * its standard input (none if NULL), and $COLUMNS set to @columns (unset if
 * NULL, so that output does not depend on the caller's terminal).
 */
static void run_tool(struct tool_result *r, const char *path, const char *input,
		     const char *columns, const char *const *args)
{
	FILE *out = tmpfile(), *err = tmpfile(), *in = tmpfile();
	const char *argv[16];
	int i, status;
	pid_t pid;

	r->status = -1;
	r->out[0] = r->err[0] = '\0';
	if (!out || !err || !in)
		return;
	argv[0] = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	if (input)
		fputs(input, in);
	fflush(in);
	rewind(in);
	pid = fork();
	if (pid == 0) {
		if (columns)
			setenv("COLUMNS", columns, 1);
		else
			unsetenv("COLUMNS");
		dup2(fileno(in), 0);
		dup2(fileno(out), 1);
		dup2(fileno(err), 2);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		r->status = WEXITSTATUS(status);
	fclose(in);
	slurp(out, r->out);
	slurp(err, r->err);
}

/*
 * How many of @words @text lacks; each one missing is named on stderr as a
 * TAP comment.
 */
static unsigned int words_missing(const char *text, const char *const *words,
				  unsigned int n)
{
	unsigned int i, missing = 0;

	for (i = 0; i < n; i++) {
		if (strstr(text, words[i]))
			continue;
		fprintf(stderr, "# '%s' not in the text\n", words[i]);
		missing++;
	}
	return missing;
}

#endif /* TCMK_RUN_TOOL_H */

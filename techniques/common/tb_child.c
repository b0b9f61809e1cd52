/* tb_child.c - start a command for a tracer: held before exec, then behind the start gate */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tb_child.h"
#include "tb_gate.h"
#include "tb_msg.h"
#include "tb_target.h"

/* The user the commands run as (tb_child__set_user), and root's own groups to come back to. */
static struct {
	bool set;
	uid_t uid;
	gid_t gid;
	int nr_groups;
	gid_t *groups;
	gid_t root_gid;
	int nr_root_groups;
	gid_t *root_groups;
} run_as;

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* The environment plus TB_GATE_FD=fd, built before fork: the child may not allocate. */
static char **gate_environ(int gate_rd)
{
	size_t n = 0, len = strlen(TB_GATE_ENV);
	char **envp, *var;

	while (environ && environ[n])
		n++;
	envp = calloc(n + 2, sizeof(*envp));
	if (!envp || asprintf(&var, "%s=%d", TB_GATE_ENV, gate_rd) < 0) {
		free(envp);
		return NULL;
	}
	n = 0;
	for (char **e = environ; e && *e; e++)
		if (strncmp(*e, TB_GATE_ENV, len) || (*e)[len] != '=')
			envp[n++] = *e;
	envp[n] = var;
	return envp;
}

static void free_gate_environ(char **envp)
{
	size_t n = 0;

	if (!envp)
		return;
	while (envp[n + 1])
		n++;
	free(envp[n]); /* the TB_GATE_FD entry is the last one */
	free(envp);
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static void __attribute__((noreturn))
child_main(char *const argv[], char **envp, int hold_rd, int status_wr, int gate_rd,
	   int (*before_exec)(void *), void *arg)
{
	sigset_t none;
	char go;
	int err;
	ssize_t n;

	/* The gate must survive execve; everything else of ours is close-on-exec. */
	if (fcntl(gate_rd, F_SETFD, 0) < 0)
		goto fail;
	/*
	 * The tracer's handlers are no use here: a Ctrl-C while the child is held
	 * must end it, as it would end the command (execve resets them anyway).
	 */
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction old;

		if (sig != SIGKILL && sig != SIGSTOP && !sigaction(sig, NULL, &old) &&
		    old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN)
			signal(sig, SIG_DFL);
	}
	/* Whatever the tracer blocks or ignores for itself, the command starts clean. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);

	do
		n = read(hold_rd, &go, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(127); /* the tracer went away before letting us run */
	close(hold_rd);
	/*
	 * Groups first, the uid last: once the uid is not root, neither can be
	 * changed. Before before_exec, so that what it installs (a seccomp filter)
	 * sees none of these calls.
	 */
	if (run_as.set && (setgroups((size_t)run_as.nr_groups, run_as.groups) ||
			   setgid(run_as.gid) || setuid(run_as.uid)))
		goto fail;
	if (before_exec) {
		err = before_exec(arg);
		if (err) {
			errno = -err;
			goto fail;
		}
	}

	/* glibc's execvpe searches PATH on the stack, without allocating. */
	execvpe(argv[0], argv, envp);
fail:
	err = errno;
	n = write(status_wr, &err, sizeof(err));
	(void)n;
	_exit(127);
}

int tb_child__split_argv(int argc, char **argv, char ***command)
{
	*command = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			*command = argv + i + 1;
			return i;
		}
	}
	return argc;
}

int tb_child__preload(const char *name, char *path, size_t len)
{
	char self[PATH_MAX], *preload;
	const char *old = getenv("LD_PRELOAD");
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int err;

	snprintf(path, len, "%s", name);
	if (n < 0)
		return -errno;
	self[n] = 0;
	snprintf(path, len, "%s/%s", dirname(self), name);
	if (access(path, R_OK))
		return -errno;
	if (asprintf(&preload, "%s%s%s", path, old && *old ? ":" : "", old ? old : "") < 0)
		return -ENOMEM;
	err = setenv("LD_PRELOAD", preload, 1) ? -errno : 0;
	free(preload);
	return err;
}

static bool parse_id(const char *s, unsigned long *id)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*id = strtoul(s, &end, 10);
	return !*end && !errno && *id < (unsigned long)(uid_t)-1;
}

/* The groups a user gets at login: its primary group and those /etc/group lists it in. */
static int user_groups(const char *name, gid_t gid, gid_t **groups, int *nr)
{
	int n = 16;

	for (;;) {
		gid_t *list = malloc((size_t)n * sizeof(*list));
		int got = n;

		if (!list)
			return -ENOMEM;
		if (getgrouplist(name, gid, list, &got) >= 0) {
			*groups = list;
			*nr = got;
			return 0;
		}
		free(list);
		if (got <= n) /* not a size problem: the primary group alone */
			got = n * 2;
		n = got;
		if (n > 65536)
			return -E2BIG;
	}
}

int tb_child__set_user(const char *user, char *why, size_t len)
{
	char name[256], login[256];
	const char *colon = strchr(user, ':'), *group = colon ? colon + 1 : NULL;
	struct passwd *pw;
	unsigned long id;
	bool known;
	uid_t uid;
	gid_t gid;
	int err, n;

	if (geteuid() != 0) {
		snprintf(why, len,
			 "only root can start the command as another user (run as root, "
			 "or leave -u out to run it as yourself)");
		return -EPERM;
	}
	snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - user) : (int)strlen(user), user);
	if (!*name || (group && !*group)) {
		snprintf(why, len, "give a user name or uid, optionally :GROUP");
		return -EINVAL;
	}
	pw = parse_id(name, &id) ? getpwuid((uid_t)id) : getpwnam(name);
	if (!pw && !parse_id(name, &id)) {
		snprintf(why, len, "no user named %s (see getent passwd)", name);
		return -ENOENT;
	}
	/* Copied: the group look-ups below may reuse the database's buffers. */
	known = pw;
	uid = pw ? pw->pw_uid : (uid_t)id;
	gid = pw ? pw->pw_gid : 0;
	snprintf(login, sizeof(login), "%s", pw ? pw->pw_name : "");
	if (group) {
		struct group *gr = parse_id(group, &id) ? NULL : getgrnam(group);

		if (!gr && !parse_id(group, &id)) {
			snprintf(why, len, "no group named %s (see getent group)", group);
			return -ENOENT;
		}
		gid = gr ? gr->gr_gid : (gid_t)id;
	} else if (!known) {
		snprintf(why, len, "uid %s has no entry in the user database: give %s:GID", name,
			 name);
		return -EINVAL;
	}
	free(run_as.groups);
	run_as.groups = NULL;
	if (known) {
		err = user_groups(login, gid, &run_as.groups, &run_as.nr_groups);
		if (err) {
			snprintf(why, len, "cannot list the groups of %s: %s", name,
				 strerror(-err));
			return err;
		}
	} else {
		run_as.groups = malloc(sizeof(*run_as.groups));
		if (!run_as.groups) {
			snprintf(why, len, "out of memory");
			return -ENOMEM;
		}
		run_as.groups[0] = gid;
		run_as.nr_groups = 1;
	}
	/* Root's own groups, for tb_child__as_user to come back to. */
	n = getgroups(0, NULL);
	free(run_as.root_groups);
	run_as.root_groups = malloc((size_t)(n > 0 ? n : 1) * sizeof(*run_as.root_groups));
	if (n < 0 || !run_as.root_groups ||
	    (run_as.nr_root_groups = getgroups(n, run_as.root_groups)) < 0) {
		snprintf(why, len, "cannot read this process's groups: %s", strerror(errno));
		return -ENOMEM;
	}
	run_as.root_gid = getegid();
	run_as.uid = uid;
	run_as.gid = gid;
	run_as.set = true;
	return 0;
}

bool tb_child__user(uid_t *uid, gid_t *gid)
{
	if (run_as.set && uid)
		*uid = run_as.uid;
	if (run_as.set && gid)
		*gid = run_as.gid;
	return run_as.set;
}

int tb_child__as_user(bool become)
{
	if (!run_as.set)
		return 0;
	if (become) {
		if (setgroups((size_t)run_as.nr_groups, run_as.groups) || setegid(run_as.gid) ||
		    seteuid(run_as.uid))
			return -errno;
		return 0;
	}
	if (seteuid(0) || setegid(run_as.root_gid) ||
	    setgroups((size_t)run_as.nr_root_groups, run_as.root_groups))
		return -errno;
	return 0;
}

int tb_child__user_option(const char *user, bool have_command)
{
	char why[256];

	if (!user)
		return 0;
	if (!have_command) {
		tb_fail("-u %s is for -- COMMAND: it starts the command as that user (a process "
			"given by -p runs as whoever started it)",
			user);
		return 1;
	}
	if (tb_child__set_user(user, why, sizeof(why))) {
		tb_fail("-u %s: %s", user, why);
		return 1;
	}
	return 0;
}

int tb_child__start_foreground(struct tb_child *child, char *const argv[])
{
	int err = tb_child__spawn(child, argv);

	signal(SIGINT, SIG_IGN);
	if (!err)
		err = tb_child__exec(child);
	if (err) {
		tb_child__kill(child);
		return err;
	}
	tb_child__release(child);
	return 0;
}

int tb_child__spawn(struct tb_child *child, char *const argv[])
{
	return tb_child__spawn_hook(child, argv, NULL, NULL);
}

/*
 * execvp hands a file that is neither an ELF program nor a #! script to
 * /bin/sh, which reads its bytes as shell syntax errors and exits 2, under
 * the tracer: refused here with execve's own ENOEXEC instead. A file that
 * cannot be found or read is left to execve, which says why.
 */
static int check_format(const char *cmd)
{
	char path[PATH_MAX], head[SELFMAG];
	ssize_t n;
	int fd;

	if (tb_target__which(cmd, path, sizeof(path)))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, head, sizeof(head));
	close(fd);
	if ((n >= 2 && head[0] == '#' && head[1] == '!') ||
	    (n == SELFMAG && !memcmp(head, ELFMAG, SELFMAG)))
		return 0;
	return -ENOEXEC;
}

const char *tb_child__strerror(int err)
{
	if (err == -ENOEXEC)
		return "Exec format error — it is neither an ELF program for this machine nor a #! "
		       "script: give a program";
	return strerror(-err);
}

int tb_child__spawn_hook(struct tb_child *child, char *const argv[], int (*before_exec)(void *),
			 void *arg)
{
	int hold[2] = { -1, -1 }, status[2] = { -1, -1 }, gate[2] = { -1, -1 };
	char **envp = NULL;
	int err;

	*child = (struct tb_child)TB_CHILD_INIT;
	if (!argv || !argv[0])
		return -EINVAL;
	err = check_format(argv[0]);
	if (err)
		return err;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, hold) || pipe2(status, O_CLOEXEC) ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, gate)) {
		err = -errno;
		goto fail;
	}
	envp = gate_environ(gate[0]);
	if (!envp) {
		err = -ENOMEM;
		goto fail;
	}
	child->pid = fork();
	if (child->pid < 0) {
		err = -errno;
		goto fail;
	}
	if (child->pid == 0) {
		close(hold[1]);
		close(status[0]);
		close(gate[1]);
		child_main(argv, envp, hold[0], status[1], gate[0], before_exec, arg);
	}
	free_gate_environ(envp);
	close(hold[0]);
	close(status[1]);
	close(gate[0]);
	child->hold_fd = hold[1];
	child->status_fd = status[0];
	child->gate_fd = gate[1];
	return 0;

fail:
	free_gate_environ(envp);
	for (int i = 0; i < 2; i++) {
		close_fd(&hold[i]);
		close_fd(&status[i]);
		close_fd(&gate[i]);
	}
	return err;
}

int tb_child__exec_begin(struct tb_child *child)
{
	ssize_t n;

	if (child->hold_fd < 0)
		return -EINVAL;
	/* MSG_NOSIGNAL: a child killed while held (Ctrl-C) must not take us with SIGPIPE. */
	n = send(child->hold_fd, "x", 1, MSG_NOSIGNAL);
	close_fd(&child->hold_fd);
	return n == 1 ? 0 : -EPIPE;
}

int tb_child__exec_end(struct tb_child *child)
{
	int exec_errno, status;
	ssize_t n;

	if (child->status_fd < 0)
		return -EINVAL;
	do
		n = read(child->status_fd, &exec_errno, sizeof(exec_errno));
	while (n < 0 && errno == EINTR);
	close_fd(&child->status_fd);
	if (n == 0)
		return 0; /* the close-on-exec write end closed: execve succeeded */
	if (n != sizeof(exec_errno))
		exec_errno = EIO;
	/* A tracer's wait may have reaped it already (ECHILD). */
	if (waitpid(child->pid, &status, __WALL) == child->pid || errno == ECHILD)
		child->reaped = true;
	return -exec_errno;
}

int tb_child__exec(struct tb_child *child)
{
	int err = tb_child__exec_begin(child);

	return err ? err : tb_child__exec_end(child);
}

int tb_child__wait_ready(struct tb_child *child, int timeout_ms)
{
	struct pollfd pfd = { .fd = child->gate_fd, .events = POLLIN };
	char ready;
	ssize_t n;
	int ret;

	if (child->gate_fd < 0)
		return -EINVAL;
	do
		ret = poll(&pfd, 1, timeout_ms);
	while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	if (ret == 0)
		return -ETIMEDOUT;
	do
		n = read(child->gate_fd, &ready, 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == 1 && ready == TB_GATE_READY ? 0 : -ECHILD;
}

int tb_child__release(struct tb_child *child)
{
	ssize_t n;

	if (child->gate_fd < 0)
		return -EINVAL;
	/* MSG_NOSIGNAL: a child that exited already must not kill us with SIGPIPE. */
	n = send(child->gate_fd, &(char){ TB_GATE_GO }, 1, MSG_NOSIGNAL);
	close_fd(&child->gate_fd);
	return n == 1 ? 0 : -EPIPE;
}

int tb_child__wait(struct tb_child *child, int *status)
{
	pid_t pid;

	if (child->reaped || child->pid <= 0)
		return -ECHILD;
	do
		pid = waitpid(child->pid, status, 0);
	while (pid < 0 && errno == EINTR);
	if (pid < 0)
		return -errno;
	child->reaped = true;
	return 0;
}

void tb_child__kill(struct tb_child *child)
{
	int status;

	if (child->pid > 0 && !child->reaped) {
		kill(child->pid, SIGKILL);
		tb_child__wait(child, &status);
	}
	tb_child__close(child);
}

void tb_child__close(struct tb_child *child)
{
	close_fd(&child->hold_fd);
	close_fd(&child->status_fd);
	close_fd(&child->gate_fd);
}

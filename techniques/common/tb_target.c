/* tb_target.c - checks on the process a tracer is asked to watch: pid, liveness, command path */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tb_target.h"

#define PF_KTHREAD 0x00200000 /* include/linux/sched.h: the task is a kernel thread */

int tb_target__parse_pid(const char *s, pid_t *pid)
{
	char *end;
	long v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v >= (1 << 22))
		return -EINVAL;
	*pid = v;
	return 0;
}

int tb_target__parse_seconds(const char *s, double *secs)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 1e-3 && v <= 1e7))
		return -EINVAL;
	*secs = v;
	return 0;
}

int tb_target__parse_stat(const char *text, char *state, unsigned long *flags)
{
	/* The command name may hold spaces and parentheses: fields resume after the last ')'. */
	const char *p = strrchr(text, ')');

	if (!p || sscanf(p + 1, " %c %*d %*d %*d %*d %*d %lu", state, flags) != 2)
		return -EIO;
	return 0;
}

/* State letter and flags from /proc/PID/stat. Returns 0 or -errno. */
static int read_stat(pid_t pid, char *state, unsigned long *flags)
{
	char path[64], buf[1024];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return tb_target__parse_stat(buf, state, flags);
}

/* The field from the lines of a status file. */
static int status_field_stream(FILE *f, const char *field, int base, unsigned long long *value)
{
	char line[256], *end;
	size_t len = strlen(field);
	int err = -ENOENT;

	while (err == -ENOENT && fgets(line, sizeof(line), f)) {
		if (strncmp(line, field, len) || line[len] != ':')
			continue;
		errno = 0;
		*value = strtoull(line + len + 1, &end, base);
		err = errno || end == line + len + 1 ? -EIO : 0;
	}
	return err;
}

int tb_target__parse_status(const char *text, size_t len, const char *field, int base,
			    unsigned long long *value)
{
	FILE *f;
	int err;

	if (!len)
		return -ENOENT;
	f = fmemopen((void *)text, len, "r");
	if (!f)
		return -errno;
	err = status_field_stream(f, field, base, value);
	fclose(f);
	return err;
}

int tb_target__status_field(pid_t pid, const char *field, int base, unsigned long long *value)
{
	char path[64];
	FILE *f;
	int err;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/status");
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	err = status_field_stream(f, field, base, value);
	fclose(f);
	return err;
}

int tb_target__check_pid(pid_t pid, char *why, size_t len)
{
	unsigned long long tgid;
	unsigned long flags;
	char state;
	int err;

	if (pid == getpid()) {
		snprintf(why, len, "pid %d is this tracer itself", (int)pid);
		return -EINVAL;
	}
	if (kill(pid, 0) && errno == ESRCH) {
		snprintf(why, len, "no process has pid %d", (int)pid);
		return -ESRCH;
	}
	err = read_stat(pid, &state, &flags);
	if (err == -ENOENT || err == -ESRCH) {
		snprintf(why, len, "no process has pid %d", (int)pid);
		return -ESRCH;
	}
	if (err) {
		snprintf(why, len, "cannot read /proc/%d/stat: %s%s", (int)pid, strerror(-err),
			 err == -EACCES || err == -EPERM ? " — run as root" : "");
		return err == -EACCES ? -EPERM : err;
	}
	if (flags & PF_KTHREAD) {
		snprintf(why, len, "pid %d is a kernel thread: it runs no user-space code",
			 (int)pid);
		return -EINVAL;
	}
	if (!tb_target__status_field(pid, "Tgid", 10, &tgid) && tgid &&
	    tgid != (unsigned long long)pid) {
		snprintf(why, len, "pid %d is a thread of process %d: give -p %d", (int)pid,
			 (int)tgid, (int)tgid);
		return -EINVAL;
	}
	if (state == 'Z' || state == 'X') {
		snprintf(why, len, "pid %d has exited (a zombie its parent has not reaped)",
			 (int)pid);
		return -ESRCH;
	}
	return 0;
}

int tb_target__pidfd(pid_t pid)
{
	int fd = syscall(SYS_pidfd_open, pid, 0);

	return fd < 0 ? -errno : fd;
}

bool tb_target__exited(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	return poll(&p, 1, 0) > 0;
}

#define CAP_SYS_PTRACE_BIT 19 /* include/uapi/linux/capability.h */

void tb_target__explain_eperm(pid_t pid, char *why, size_t len)
{
	unsigned long long tracer = 0, uid = 0, my_uid = 0, caps = 0;
	char path[64];
	struct stat st;
	FILE *f;
	int scope = -1;

	/* /proc/PID keeps the owner; the files in it go to root when it is not dumpable. */
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (tb_target__status_field(pid, "TracerPid", 10, &tracer) == 0 && tracer) {
		snprintf(why, len,
			 "it is already traced by pid %llu (one ptrace tracer at a time: stop that "
			 "one first)",
			 tracer);
		return;
	}
	tb_target__status_field(0, "CapEff", 16, &caps);
	tb_target__status_field(0, "Uid", 10, &my_uid);
	if (tb_target__status_field(pid, "Uid", 10, &uid) == 0 && uid != my_uid &&
	    !(caps >> CAP_SYS_PTRACE_BIT & 1)) {
		snprintf(why, len,
			 "it belongs to uid %llu and this process runs as uid %llu without "
			 "CAP_SYS_PTRACE (run as root or as its user)",
			 uid, my_uid);
		return;
	}
	/* A process that is not dumpable (set-id, or prctl) has its /proc files owned by root. */
	if (stat(path, &st) == 0 && st.st_uid != uid && !(caps >> CAP_SYS_PTRACE_BIT & 1)) {
		snprintf(why, len,
			 "it is not dumpable (a set-user-ID program, or PR_SET_DUMPABLE 0): only "
			 "CAP_SYS_PTRACE may read it");
		return;
	}
	f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
	if (f) {
		if (fscanf(f, "%d", &scope) != 1)
			scope = -1;
		fclose(f);
	}
	if (scope > 0 && !(caps >> CAP_SYS_PTRACE_BIT & 1)) {
		snprintf(why, len,
			 "kernel.yama.ptrace_scope is %d, which allows only a parent (1), "
			 "CAP_SYS_PTRACE (2) or nobody (3): run as root, or set it to 0",
			 scope);
		return;
	}
	snprintf(why, len,
		 "permission denied (ptrace access mode check; an LSM may forbid it): run as "
		 "root or grant CAP_SYS_PTRACE");
}

/* A regular file we may execute. Returns 0 or -errno. */
static int executable(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EACCES;
	return access(path, X_OK) ? -errno : 0;
}

int tb_target__which(const char *cmd, char *path, size_t len)
{
	const char *dirs = getenv("PATH"), *end;
	int err = -ENOENT, e;

	if (strchr(cmd, '/')) {
		if ((size_t)snprintf(path, len, "%s", cmd) >= len)
			return -ENAMETOOLONG;
		return executable(path);
	}
	if (!*cmd)
		return -ENOENT;
	if (!dirs)
		dirs = "/bin:/usr/bin"; /* glibc's execvp default, so we find the file it runs */
	for (; dirs; dirs = *end ? end + 1 : NULL) {
		int dir_len;

		end = strchrnul(dirs, ':');
		dir_len = end - dirs;
		/* An empty entry means the current directory, as execvp reads it. */
		if ((size_t)snprintf(path, len, "%.*s%s%s", dir_len, dirs, dir_len ? "/" : "",
				     cmd) >= len)
			continue;
		e = executable(path);
		if (!e)
			return 0;
		if (e == -EACCES)
			err = e; /* as execvp: a match we may not run beats no match */
	}
	return err;
}

/* How often tb_target__seize tries a thread that is refused while nobody holds it. */
#define SEIZE_ATTEMPTS 10

int tb_target__seize(pid_t tid, unsigned long options, pid_t *holder)
{
	unsigned long long tracer = 0;

	for (int attempt = 0; attempt < SEIZE_ATTEMPTS; attempt++) {
		if (!ptrace(PTRACE_SEIZE, tid, NULL, (void *)options))
			return 0;
		if (errno != EPERM)
			return -errno;
		if (tb_target__status_field(tid, "TracerPid", 10, &tracer))
			tracer = 0;
		if (tracer)
			break;
	}
	*holder = (pid_t)tracer;
	return -EPERM;
}

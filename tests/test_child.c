/* test_child.c - tb_child: the pre-exec hold, exec errors, the start gate and -u USER */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "tb_child.h"
#include "tb_target.h"

static char out_dir[PATH_MAX];

/* The kernel's own thread count, from the Threads: line of /proc/PID/status. */
static int count_tasks(pid_t pid)
{
	unsigned long long n;

	return tb_target__status_field(pid, "Threads", 10, &n) ? -1 : (int)n;
}

static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return '?';
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

static void msleep(long ms)
{
	nanosleep(&(struct timespec){ .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 },
		  NULL);
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static void test_gate_holds_workload(void)
{
	char workload[PATH_MAX + 16], truth[] = "/tmp/tb-test-child-XXXXXX";
	char *argv[] = { workload, "-q", "-r", "200", "-t", "3", "-o", truth, NULL };
	struct tb_child child = TB_CHILD_INIT;
	char exe[64];
	int status = -1, fd;

	snprintf(workload, sizeof(workload), "%s/workload", out_dir);
	fd = mkstemp(truth);
	close(fd);
	unlink(truth);

	tap_ok(tb_child__spawn(&child, argv) == 0, "spawn the workload");
	snprintf(exe, sizeof(exe), "/proc/%d/exe", child.pid);
	msleep(50);
	tap_ok(same_file(exe, "/proc/self/exe"),
	       "held before exec: the child is still this program");
	tap_ok(tb_child__exec(&child) == 0, "exec succeeds");
	tap_ok(same_file(exe, workload), "after exec the child runs the workload");
	tap_ok(tb_child__wait_ready(&child, 10000) == 0, "the workload reports it is at the gate");
	msleep(300);
	tap_ok(access(truth, F_OK) != 0, "behind the gate: no truth file yet, the workload waits");
	tap_is_u64(count_tasks(child.pid), 4,
		   "behind the gate: all 3 worker threads already exist");
	tap_ok(proc_state(child.pid) == 'S', "behind the gate: the workload sleeps (state %c)",
	       proc_state(child.pid));
	tap_ok(tb_child__release(&child) == 0, "release the gate");
	tap_ok(tb_child__wait(&child, &status) == 0 && WIFEXITED(status) &&
		       WEXITSTATUS(status) == 0,
	       "released, the workload runs and exits 0");
	tap_ok(access(truth, F_OK) == 0, "and writes its truth file");
	tb_child__close(&child);
	unlink(truth);
}

static void test_gate_closed(void)
{
	char workload[PATH_MAX + 16];
	char *argv[] = { workload, "-q", "-r", "10", NULL };
	struct tb_child child = TB_CHILD_INIT;
	int status = -1;

	snprintf(workload, sizeof(workload), "%s/workload", out_dir);
	tb_child__spawn(&child, argv);
	tap_ok(tb_child__exec(&child) == 0, "exec the workload");
	/* The tracer gives up without releasing: the workload must not run untraced. */
	tb_child__close(&child);
	tb_child__wait(&child, &status);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 3,
	       "gate closed without release: the workload exits with status 3 (got %d)",
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1);

	/* The same once the workload waits at the gate, its 'r' left unread: the pair is reset. */
	tb_child__spawn(&child, argv);
	tb_child__exec(&child);
	poll(&(struct pollfd){ .fd = child.gate_fd, .events = POLLIN }, 1, 10000);
	tb_child__close(&child);
	tb_child__wait(&child, &status);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 3,
	       "gate closed with the ready byte unread: status 3 too (got %d)",
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static void test_exec_errors(void)
{
	char *missing[] = { "/nonexistent/tracebench-no-such-program", NULL };
	char *dir[] = { "/tmp", NULL };
	char *truecmd[] = { "true", NULL };
	char *sleepcmd[] = { "sleep", "5", NULL };
	struct tb_child child = TB_CHILD_INIT;
	int status = -1;

	tb_child__spawn(&child, missing);
	tap_ok(tb_child__exec(&child) == -ENOENT, "a missing program: exec reports ENOENT");
	tap_ok(child.reaped, "and the child is reaped");
	tb_child__close(&child);

	tb_child__spawn(&child, dir);
	tap_ok(tb_child__exec(&child) == -EACCES, "a directory: exec reports EACCES");
	tb_child__close(&child);

	/* A program that knows nothing of the gate runs as usual; PATH is searched. */
	tb_child__spawn(&child, truecmd);
	tap_ok(tb_child__exec(&child) == 0, "true: found in PATH and exec'd");
	tap_ok(tb_child__wait_ready(&child, 10000) == -ECHILD,
	       "a program that exits without reporting ready: -ECHILD");
	tb_child__release(&child);
	tap_ok(tb_child__wait(&child, &status) == 0 && WIFEXITED(status) &&
		       WEXITSTATUS(status) == 0,
	       "a program that ignores the gate runs to completion");
	tb_child__close(&child);

	tb_child__spawn(&child, sleepcmd);
	tb_child__exec(&child);
	tap_ok(tb_child__wait_ready(&child, 200) == -ETIMEDOUT,
	       "a program that ignores the gate: wait_ready times out");
	tb_child__kill(&child);

	/* The tracer goes away before exec: the command never runs. */
	tb_child__spawn(&child, truecmd);
	close(child.hold_fd);
	child.hold_fd = -1;
	tap_ok(tb_child__wait(&child, &status) == 0 && WIFEXITED(status) &&
		       WEXITSTATUS(status) == 127,
	       "hold closed before exec: the child exits 127 without running the command");
	tb_child__close(&child);
}

/*
 * tb_child__set_user's parsing, and the command run as that user (last: every
 * spawn from then on drops root). As root only; unprivileged, only the refusal.
 */
static void test_user(void)
{
	char why[256], sleeper[] = "sleep", arg[] = "5";
	char *argv[] = { sleeper, arg, NULL };
	struct tb_child child = TB_CHILD_INIT;
	unsigned long long v;
	uid_t uid = 0;
	gid_t gid = 0, groups[64];
	int n;

	if (geteuid() != 0) {
		tap_ok(tb_child__set_user("nobody", why, sizeof(why)) == -EPERM &&
			       strstr(why, "root"),
		       "set_user without root: -EPERM, saying so (%s)", why);
		tap_ok(!tb_child__user(NULL, NULL), "... and no user is set");
		return;
	}
	tap_ok(tb_child__set_user("tb-no-such-user", why, sizeof(why)) == -ENOENT,
	       "an unknown name: -ENOENT (%s)", why);
	tap_ok(tb_child__set_user("4242", why, sizeof(why)) == -EINVAL && strstr(why, "4242:GID"),
	       "a uid without a name and no group: -EINVAL, asking for 4242:GID (%s)", why);
	tap_ok(tb_child__set_user("nobody:tb-no-such-group", why, sizeof(why)) == -ENOENT,
	       "an unknown group: -ENOENT (%s)", why);
	tap_ok(tb_child__set_user("nobody:", why, sizeof(why)) == -EINVAL &&
		       tb_child__set_user(":0", why, sizeof(why)) == -EINVAL,
	       "an empty user or group: -EINVAL (%s)", why);
	tap_ok(!tb_child__user(NULL, NULL), "after refusals no user is set");
	n = tb_child__set_user("4242:4343", why, sizeof(why));
	tap_ok(!n && tb_child__user(&uid, &gid) && uid == 4242 && gid == 4343,
	       "4242:4343: uid 4242, gid 4343 (%d, %u:%u)", n, (unsigned int)uid,
	       (unsigned int)gid);
	tap_ok(tb_child__as_user(true) == 0 && geteuid() == 4242 && getegid() == 4343 &&
		       getgroups(64, groups) == 1 && groups[0] == 4343 && getuid() == 0,
	       "as_user(true): effective 4242:4343, groups 4343 only, real uid still root");
	n = getgroups(64, groups);
	tap_ok(tb_child__as_user(false) == 0 && geteuid() == 0 && getegid() == 0,
	       "as_user(false): root again (had %d groups as the user)", n);
	tap_ok(tb_child__spawn(&child, argv) == 0 && tb_child__exec(&child) == 0,
	       "spawn and exec sleep as 4242:4343");
	tap_ok(!tb_target__status_field(child.pid, "Uid", 10, &v) && v == 4242 &&
		       !tb_target__status_field(child.pid, "Gid", 10, &v) && v == 4343,
	       "the command runs as uid 4242, gid 4343");
	tb_child__kill(&child);
	tap_ok(geteuid() == 0, "this process is still root");
}

int main(void)
{
	const char *out = getenv("OUT") ? getenv("OUT") : "build";

	if (!tap_ok(realpath(out, out_dir) != NULL, "build directory %s exists", out))
		return tap_done();
	test_gate_holds_workload();
	test_gate_closed();
	test_exec_errors();
	test_user();
	return tap_done();
}

/* test_target.c - tb_target (pid checks, status fields, PATH lookup) and tb_hist (the printer) */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "tb_hist.h"
#include "tb_target.h"

static void test_parse_pid(void)
{
	pid_t pid = 0;

	tap_ok(!tb_target__parse_pid("1", &pid) && pid == 1, "parse_pid: 1");
	tap_ok(!tb_target__parse_pid("4194303", &pid) && pid == 4194303,
	       "parse_pid: 2^22 - 1, the largest pid Linux hands out");
	tap_ok(tb_target__parse_pid("4194304", &pid) == -EINVAL, "parse_pid: 2^22 refused");
	tap_ok(tb_target__parse_pid("0", &pid) == -EINVAL, "parse_pid: 0 refused");
	tap_ok(tb_target__parse_pid("-5", &pid) == -EINVAL, "parse_pid: negative refused");
	tap_ok(tb_target__parse_pid("12x", &pid) == -EINVAL, "parse_pid: trailing garbage refused");
	tap_ok(tb_target__parse_pid("", &pid) == -EINVAL, "parse_pid: empty refused");
	tap_ok(tb_target__parse_pid("99999999999999999999", &pid) == -EINVAL,
	       "parse_pid: overflow refused");
}

static void *sleeper(void *arg)
{
	pid_t *tid = arg;

	*tid = gettid();
	pause();
	return NULL;
}

static void test_check_pid(void)
{
	char why[256];
	pid_t child, tid = 0;
	pthread_t thread;
	siginfo_t info;
	int status;

	tap_ok(tb_target__check_pid(getpid(), why, sizeof(why)) == -EINVAL &&
		       strstr(why, "this tracer itself"),
	       "check_pid: our own pid refused: %s", why);
	tap_ok(tb_target__check_pid(2, why, sizeof(why)) == -EINVAL && strstr(why, "kernel thread"),
	       "check_pid: kthreadd refused: %s", why);
	tap_ok(tb_target__check_pid(getppid(), why, sizeof(why)) == 0,
	       "check_pid: our parent is a live process");

	child = fork();
	if (child == 0)
		_exit(0);
	/* A zombie until reaped: wait for it to exit without reaping it. */
	waitid(P_PID, child, &info, WEXITED | WNOWAIT);
	tap_ok(tb_target__check_pid(child, why, sizeof(why)) == -ESRCH && strstr(why, "zombie"),
	       "check_pid: a zombie refused: %s", why);
	waitpid(child, &status, 0);
	tap_ok(tb_target__check_pid(child, why, sizeof(why)) == -ESRCH &&
		       strstr(why, "no process has pid"),
	       "check_pid: a reaped pid refused: %s", why);

	pthread_create(&thread, NULL, sleeper, &tid);
	while (!__atomic_load_n(&tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	tap_ok(tb_target__check_pid(tid, why, sizeof(why)) == -EINVAL &&
		       strstr(why, "is a thread of process"),
	       "check_pid: a thread id refused, naming its process: %s", why);
	/* The thread sleeps on; it ends with the process. */
}

static void test_status_field(void)
{
	unsigned long long v = 0;

	tap_ok(!tb_target__status_field(0, "Tgid", 10, &v) && v == (unsigned long long)getpid(),
	       "status_field: our own Tgid is our pid");
	tap_ok(!tb_target__status_field(getpid(), "Threads", 10, &v) && v >= 1,
	       "status_field: Threads by pid (%llu)", v);
	tap_ok(!tb_target__status_field(0, "CapEff", 16, &v), "status_field: CapEff read as hex");
	tap_ok(tb_target__status_field(0, "NoSuchField", 10, &v) == -ENOENT,
	       "status_field: an absent field is -ENOENT");
	tap_ok(tb_target__status_field(0, "Name", 10, &v) == -EIO,
	       "status_field: a field that is not a number is -EIO");
	tap_ok(tb_target__status_field(4194303, "Tgid", 10, &v) == -ESRCH || getpgid(4194303) >= 0,
	       "status_field: a pid that does not exist is -ESRCH");
}

static void test_which(void)
{
	char path[4096];
	char *saved = getenv("PATH") ? strdup(getenv("PATH")) : NULL;

	tap_ok(!tb_target__which("sh", path, sizeof(path)) && path[0] == '/' && !access(path, X_OK),
	       "which: sh found in PATH (%s)", path);
	tap_ok(!tb_target__which("/bin/sh", path, sizeof(path)) && !strcmp(path, "/bin/sh"),
	       "which: a path with a slash is taken as it is");
	tap_ok(tb_target__which("no-such-command-tracebench", path, sizeof(path)) == -ENOENT,
	       "which: a missing command is -ENOENT");
	tap_ok(tb_target__which("/etc/passwd", path, sizeof(path)) == -EACCES,
	       "which: a file that is not executable is -EACCES");
	tap_ok(tb_target__which("/etc", path, sizeof(path)) == -EACCES,
	       "which: a directory is -EACCES");
	unsetenv("PATH");
	tap_ok(!tb_target__which("sh", path, sizeof(path)) && !strcmp(path, "/bin/sh"),
	       "which: without PATH, glibc's default (/bin first): %s", path);
	if (saved) {
		setenv("PATH", saved, 1);
		free(saved);
	}
}

static void test_hist(void)
{
	uint64_t buckets[8] = { 0, 0, 3, 6, 0, 1 };
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	tap_ok(tb_hist__bucket_low(0) == 0 && tb_hist__bucket_high(0) == 0, "bucket 0 holds 0");
	tap_ok(tb_hist__bucket_low(1) == 1 && tb_hist__bucket_high(1) == 1, "bucket 1 holds 1");
	tap_ok(tb_hist__bucket_low(4) == 8 && tb_hist__bucket_high(4) == 15,
	       "bucket 4 holds 8..15");
	tap_ok(tb_hist__bucket_high(64) == UINT64_MAX, "bucket 64 ends at 2^64 - 1");

	f = open_memstream(&text, &len);
	tb_hist__print(f, buckets, 8, "nsecs");
	fclose(f);
	tap_ok(strstr(text, "nsecs") && strstr(text, ": count     distribution"),
	       "print: a header naming the unit");
	tap_ok(strstr(text, "    2 -> 3     : 3        |********************                    |"),
	       "print: bucket 2 (2..3) with 3 of a maximum 6 gets half the bar");
	tap_ok(strstr(text, "    4 -> 7     : 6        |****************************************|"),
	       "print: the largest bucket gets the whole bar");
	tap_ok(strstr(text, "    8 -> 15    : 0 ") && !strstr(text, "-> 1 "),
	       "print: from the first to the last non-empty bucket, empty ones between");
	free(text);

	memset(buckets, 0, sizeof(buckets));
	text = NULL;
	f = open_memstream(&text, &len);
	tb_hist__print(f, buckets, 8, "nsecs");
	fclose(f);
	tap_ok(strstr(text, "no nsecs values recorded") != NULL,
	       "print: an empty histogram says so");
	free(text);
}

int main(void)
{
	test_parse_pid();
	test_check_pid();
	test_status_field();
	test_which();
	test_hist();
	return tap_done();
}

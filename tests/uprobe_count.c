/* uprobe_count.c - counts hits of a USDT probe with bare perf uprobes (no BPF), for the tests */

/*
 * Usage: uprobe_count PROVIDER:NAME -- COMMAND [ARGS]
 *
 * Starts COMMAND, which must wait at a tracebench start gate (the workload
 * and tests/redzone do). Once it reports ready, opens a perf uprobe event
 * (the kernel's uprobe PMU: no tracefs, no BPF program) on every site of the
 * probe in the COMMAND's executable for each of its threads, with the
 * probe's semaphore as the reference counter, releases it, and prints:
 *
 *   sites=N hits=N trampoline=yes|no exit=N
 *
 * trampoline=yes means the target grew a [uprobes-trampoline] mapping while it
 * ran: the kernel optimised a 5-byte-nop site into a call.
 *
 * Why per thread, after the gate: a per-process event would need inherit to
 * follow threads started later, and an inherited uprobe event makes the
 * kernel read the file name again, from the new thread's memory, where it is
 * not (clone() fails with EFAULT). At the gate every thread exists and none
 * has run a probe yet, so per-thread events see every hit of this process and
 * of no other.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tb_child.h"
#include "tb_elf.h"

#define PERF_UPROBE_REF_CTR_OFFSET_SHIFT 32
#define MAX_THREADS 256

static int read_uprobe_pmu_type(void)
{
	FILE *f = fopen("/sys/bus/event_source/devices/uprobe/type", "r");
	int type = -1;

	if (!f)
		return -errno;
	if (fscanf(f, "%d", &type) != 1)
		type = -EINVAL;
	fclose(f);
	return type;
}

static int open_uprobe(int type, const char *path, const struct tb_usdt_note *note, pid_t tid)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = type,
		.config1 = (uint64_t)(uintptr_t)path,
		.config2 = note->file_offset,
	};

	if (note->semaphore_offset)
		attr.config = note->semaphore_offset << PERF_UPROBE_REF_CTR_OFFSET_SHIFT;
	return syscall(__NR_perf_event_open, &attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

/* The target's threads, at most max. Returns how many, or -errno. */
static int list_threads(pid_t pid, pid_t *tids, int max)
{
	char path[64];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((d = readdir(dir)) && n < max)
		if (d->d_name[0] != '.')
			tids[n++] = atoi(d->d_name);
	closedir(dir);
	return n;
}

static bool has_trampoline(pid_t pid)
{
	char path[64], line[512];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, "[uprobes-trampoline]") != NULL;
	fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	struct tb_child child = TB_CHILD_INIT;
	struct tb_usdt_note *notes = NULL;
	struct tb_elf *elf = NULL;
	char *provider, *name, *path;
	size_t nr_notes = 0, nr_fds = 0, nr_sites = 0;
	int *fds = NULL, type, err, nr_tids, status = 0, ret = 1;
	pid_t tids[MAX_THREADS];
	bool trampoline = false;
	uint64_t hits = 0;

	if (argc < 4 || strcmp(argv[2], "--") || !strchr(argv[1], ':')) {
		fprintf(stderr, "usage: %s PROVIDER:NAME -- COMMAND [ARGS]\n", argv[0]);
		return 2;
	}
	provider = argv[1];
	name = strchr(provider, ':');
	*name++ = '\0';
	path = realpath(argv[3], NULL);
	if (!path) {
		fprintf(stderr, "uprobe_count: %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	type = read_uprobe_pmu_type();
	if (type < 0) {
		fprintf(stderr, "uprobe_count: no uprobe PMU: %s\n", strerror(-type));
		goto out;
	}
	err = tb_elf__open(path, &elf);
	if (!err)
		err = tb_elf__usdt_notes(elf, &notes, &nr_notes);
	if (err) {
		fprintf(stderr, "uprobe_count: %s: cannot read USDT notes: %s\n", path,
			strerror(-err));
		goto out;
	}
	err = tb_child__spawn(&child, &argv[3]);
	if (!err)
		err = tb_child__exec(&child);
	if (err) {
		fprintf(stderr, "uprobe_count: cannot run %s: %s\n", argv[3], strerror(-err));
		goto out;
	}
	err = tb_child__wait_ready(&child, 10000);
	if (err) {
		fprintf(stderr, "uprobe_count: %s did not report ready at a start gate: %s\n",
			argv[3], strerror(-err));
		goto out;
	}
	nr_tids = list_threads(child.pid, tids, MAX_THREADS);
	fds = calloc(nr_notes * (nr_tids > 0 ? nr_tids : 0) + 1, sizeof(*fds));
	if (nr_tids <= 0 || !fds) {
		fprintf(stderr, "uprobe_count: cannot list the threads of %d: %s\n", child.pid,
			strerror(nr_tids < 0 ? -nr_tids : ENOMEM));
		goto out;
	}
	for (size_t i = 0; i < nr_notes; i++) {
		if (strcmp(notes[i].provider, provider) || strcmp(notes[i].name, name))
			continue;
		nr_sites++;
		for (int t = 0; t < nr_tids; t++) {
			fds[nr_fds] = open_uprobe(type, path, &notes[i], tids[t]);
			if (fds[nr_fds] < 0) {
				fprintf(stderr,
					"uprobe_count: perf_event_open(uprobe %s:0x%llx, tid %d): "
					"%s\n",
					path, (unsigned long long)notes[i].file_offset, tids[t],
					strerror(errno));
				goto out;
			}
			nr_fds++;
		}
	}
	if (!nr_sites) {
		fprintf(stderr, "uprobe_count: %s has no probe %s:%s\n", path, provider, name);
		goto out;
	}
	tb_child__release(&child);
	/* Watch for the trampoline while the target runs. */
	for (;;) {
		pid_t pid = waitpid(child.pid, &status, WNOHANG);

		if (pid == child.pid) {
			child.reaped = true;
			break;
		}
		if (pid < 0 && errno != EINTR)
			break;
		if (!trampoline)
			trampoline = has_trampoline(child.pid);
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
	for (size_t i = 0; i < nr_fds; i++) {
		uint64_t count = 0;

		if (read(fds[i], &count, sizeof(count)) != sizeof(count)) {
			fprintf(stderr, "uprobe_count: cannot read a counter: %s\n",
				strerror(errno));
			goto out;
		}
		hits += count;
	}
	printf("sites=%zu hits=%llu trampoline=%s exit=%d\n", nr_sites, (unsigned long long)hits,
	       trampoline ? "yes" : "no",
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	ret = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
out:
	for (size_t i = 0; i < nr_fds; i++)
		close(fds[i]);
	tb_child__kill(&child);
	free(fds);
	tb_usdt_notes__free(notes, nr_notes);
	tb_elf__close(elf);
	free(path);
	return ret;
}

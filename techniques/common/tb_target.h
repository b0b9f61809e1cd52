/* tb_target.h - checks on the process a tracer is asked to watch: pid, liveness, command path */
#ifndef TB_TARGET_H
#define TB_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Parses a pid: decimal, 1 to 2^22 - 1 (below PID_MAX_LIMIT). Returns 0 or -EINVAL. */
int tb_target__parse_pid(const char *s, pid_t *pid);

/*
 * Checks that pid is a live user-space process other than the caller, and a
 * process rather than one of its threads. On failure writes the reason, one
 * phrase without a trailing newline ("no process has pid 123"), to why and
 * returns -ESRCH (no such process, or a zombie), -EINVAL (the caller itself,
 * a kernel thread, a thread that is not its process's leader), -EPERM, or
 * another -errno from reading /proc.
 */
int tb_target__check_pid(pid_t pid, char *why, size_t len);

/*
 * A pidfd for pid (pidfd_open), readable once the process has exited; it
 * also pins the identity, so a reused pid is not mistaken for the target.
 * Returns the descriptor or -errno.
 */
int tb_target__pidfd(pid_t pid);

/* Whether the process behind pidfd has exited (does not block). */
bool tb_target__exited(int pidfd);

/*
 * The file execvp would run for cmd: cmd itself if it contains a slash,
 * otherwise the first executable regular file of that name in $PATH.
 * Returns 0, -ENOENT, -EACCES or -ENAMETOOLONG.
 */
int tb_target__which(const char *cmd, char *path, size_t len);

#endif /* TB_TARGET_H */

/* tb_target.h - checks on the process a tracer is asked to watch: pid, liveness, command path */
#ifndef TB_TARGET_H
#define TB_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Parses a pid: decimal, 1 to 2^22 - 1 (below PID_MAX_LIMIT). Returns 0 or -EINVAL. */
int tb_target__parse_pid(const char *s, pid_t *pid);

/*
 * Parses a duration in seconds (-d): a number from 0.001 to 1e7. Returns 0
 * or -EINVAL; TB_DURATION_RANGE says what is accepted, for the message.
 */
#define TB_DURATION_RANGE "a number of seconds, 0.001 to 1e7"
int tb_target__parse_seconds(const char *s, double *secs);

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
 * One numeric field of /proc/PID/status (pid 0: this process), e.g. "Tgid"
 * in base 10 or "CapEff" in base 16. Returns 0, -ESRCH if the process is
 * gone, -ENOENT if the field is absent, -EIO if it is not a number, -errno.
 */
int tb_target__status_field(pid_t pid, const char *field, int base, unsigned long long *value);

/* The same from a copy of a status file's text (len bytes, not necessarily NUL-terminated). */
int tb_target__parse_status(const char *text, size_t len, const char *field, int base,
			    unsigned long long *value);

/*
 * The state letter and the flags (PF_*) of a /proc/PID/stat line (text
 * NUL-terminated). Returns 0 or -EIO if it is not one.
 */
int tb_target__parse_stat(const char *text, char *state, unsigned long *flags);

/*
 * A pidfd for pid (pidfd_open), readable once the process has exited; it
 * also pins the identity, so a reused pid is not mistaken for the target.
 * Returns the descriptor or -errno.
 */
int tb_target__pidfd(pid_t pid);

/*
 * Why reading or tracing pid is refused (EPERM), as one phrase for a
 * message: the process is already traced (by whom), belongs to another user
 * and we lack CAP_SYS_PTRACE, is not dumpable, or Yama's ptrace_scope
 * forbids it. Writes a generic phrase when none of these is visible.
 */
void tb_target__explain_eperm(pid_t pid, char *why, size_t len);

/*
 * PTRACE_SEIZE of one thread, with options: 0 or -errno. On -EPERM, *holder
 * is the pid of the tracer that holds the thread (this process's own
 * included), or 0 when none does: not allowed. A tracer that holds threads
 * only for a moment (tb-vmreadv --blocking) may let go between the refusal
 * and the look at TracerPid; the seize is then tried again, a few times, so
 * that a refusal names its holder whenever there is one.
 */
int tb_target__seize(pid_t tid, unsigned long options, pid_t *holder);

/* Whether the process behind pidfd has exited (does not block). */
bool tb_target__exited(int pidfd);

/*
 * The file execvp would run for cmd: cmd itself if it contains a slash,
 * otherwise the first executable regular file of that name in $PATH.
 * Returns 0, -ENOENT, -EACCES or -ENAMETOOLONG.
 */
int tb_target__which(const char *cmd, char *path, size_t len);

#endif /* TB_TARGET_H */

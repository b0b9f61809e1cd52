/* tb_child.h - start a command for a tracer: held before exec, then behind the start gate */
#ifndef TB_CHILD_H
#define TB_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * A tracer that starts its target wants to attach before the target does
 * anything worth tracing. tb_child gives it two points to do so:
 *
 *   tb_child__spawn()    fork; the child waits before execve. Probes that
 *                        attach by file and pid (uprobes) can attach here.
 *   tb_child__exec()     the child execs; returns once execve succeeded (or
 *                        with its error). Anything that needs the new image
 *                        (symbols in /proc/PID/maps, ptrace) attaches here.
 *   tb_child__wait_ready()  waits until the program says it is at the gate:
 *                        the workload does, once its threads exist and the
 *                        dynamic loader has relocated its data (before that,
 *                        pointers read from its memory are not yet valid).
 *   tb_child__release()  opens the start gate: a program that reads the
 *                        descriptor named in $TB_GATE_FD (the workload does)
 *                        waits there until now; others never look at it.
 *
 * The gate is a Unix stream socket pair (the protocol is workload/tb_gate.h).
 * The command starts with an empty signal mask and SIGPIPE at its default,
 * whatever the tracer blocks or ignores.
 *
 * If the tracer dies before exec, the child exits without running the
 * command; if it dies before release, the workload sees EOF on the gate and
 * exits with status 3 instead of running untraced.
 */

struct tb_child {
	pid_t pid;
	int hold_fd; /* our end of the pre-exec hold, -1 once released */
	int status_fd; /* exec result: EOF means execve succeeded */
	int gate_fd; /* our end of the start gate, -1 once released */
	bool reaped;
};

/* A child that has not been spawned: safe to pass to tb_child__kill and tb_child__close. */
#define TB_CHILD_INIT                                                    \
	{                                                                \
		.pid = -1, .hold_fd = -1, .status_fd = -1, .gate_fd = -1 \
	}

/*
 * Puts the library name that lies beside this program (in build/, as make
 * builds them) first in $LD_PRELOAD, for the commands spawned from now on;
 * path receives its full path, for messages. Returns 0, or -errno when it
 * cannot be read there (-ENOENT: not built).
 */
int tb_child__preload(const char *name, char *path, size_t len);

/*
 * A tool's command line, OPTIONS -- COMMAND [ARGS]: returns how many words
 * come before the first "--" (argc if there is none), which getopt is to
 * read, and points *command at the words after it (NULL without "--").
 */
int tb_child__split_argv(int argc, char **argv, char ***command);

/*
 * Runs the commands spawned from now on as another user, as rbspy runs its
 * command without root: user is a name ("nobody") or a uid ("65534"),
 * either optionally followed by ":GROUP" (a group name or gid). It is
 * resolved here, once: the uid, the user's primary group (or GROUP) and
 * supplementary groups (initgroups' list). The child sets them just before
 * execve (setgroups, setgid, setuid, each checked: a failure fails the exec
 * with its errno); the environment and the working directory are kept as
 * they are (LD_PRELOAD and the tools' variables included), as setpriv keeps
 * them: the user must be able to reach both, and the program. A tracer seized earlier stays
 * attached: execve of a program that is not set-user-ID makes the process
 * dumpable again. Only root may: returns 0, or -errno with why (one phrase,
 * for a message) filled in: -EPERM not root, -ENOENT no such user or group,
 * -EINVAL a uid without a name and no GROUP, -ENOMEM.
 */
int tb_child__set_user(const char *user, char *why, size_t len);

/*
 * The user tb_child__set_user chose: true with its uid and gid (either may
 * be NULL), false when the commands run as this process does.
 */
bool tb_child__user(uid_t *uid, gid_t *gid);

/*
 * Switches this process's effective uid, gid and groups to that user's
 * (become = true) and back to root's (false), so that a tool running as root
 * handles the files the command writes with the command's rights, never
 * more: a file it follows or writes cannot be a link the command planted to
 * somewhere only root may write. Does nothing without a user. Returns 0 or
 * -errno.
 */
int tb_child__as_user(bool become);

/*
 * A tool's -u USER check, after its options: -u needs -- COMMAND (the
 * command is started as that user; with -p PID there is nothing to start)
 * and root. Prints one line and returns 1 when it is refused, else 0 (also
 * when user is NULL).
 */
int tb_child__user_option(const char *user, bool have_command);

/*
 * Forks argv[0] (looked up in PATH) held before execve. Returns 0 or -errno:
 * -ENOEXEC, before any fork, for a file that is neither ELF nor a #! script
 * (which execvp would hand to /bin/sh).
 */
int tb_child__spawn(struct tb_child *child, char *const argv[]);

/*
 * Why a command could not be started (-errno from tb_child__spawn, __exec,
 * __start_foreground), for "cannot run COMMAND: %s": strerror, with what to
 * do instead for -ENOEXEC.
 */
const char *tb_child__strerror(int err);

/*
 * The same, and the child calls before_exec(arg) once released, just before
 * execve (to install a seccomp filter, say): only async-signal-safe work. A
 * negative errno from it fails the exec with that error.
 */
int tb_child__spawn_hook(struct tb_child *child, char *const argv[], int (*before_exec)(void *),
			 void *arg);

/*
 * Lets the child exec. Returns 0 once execve succeeded (or the child died
 * before it could say otherwise: a later tb_child__wait tells), or the
 * negative errno of a failed execve (the child is then reaped).
 */
int tb_child__exec(struct tb_child *child);

/*
 * tb_child__exec in two halves, for a tracer that must handle the child's
 * stops while it execs (a ptrace tracer whose seccomp filter stops execve):
 * begin lets it go, end reads the outcome (once the exec stop is seen, it
 * returns at once). Same returns as tb_child__exec.
 */
int tb_child__exec_begin(struct tb_child *child);
int tb_child__exec_end(struct tb_child *child);

/*
 * Waits up to timeout_ms (-1: forever) for the program to report it is at the
 * gate. Returns 0, -ETIMEDOUT (it does not speak the protocol, or is slow),
 * or -ECHILD (it exited or closed the gate first).
 */
int tb_child__wait_ready(struct tb_child *child, int timeout_ms);

/*
 * The whole start for a tracer that lives inside the command (a preloaded
 * library) and only waits for it: spawn, exec, open the gate. From the spawn
 * on, this process ignores SIGINT: Ctrl-C is for the command, which starts
 * with the disposition this process had (an ignored signal would stay
 * ignored across execve). On failure the child is reaped. Returns 0 or the
 * negative errno of the spawn or the exec.
 */
int tb_child__start_foreground(struct tb_child *child, char *const argv[]);

/* Opens the start gate. Returns 0, -EPIPE if the child no longer reads it. */
int tb_child__release(struct tb_child *child);

/* Waits for the child to end; *status as from waitpid. Returns 0 or -errno. */
int tb_child__wait(struct tb_child *child, int *status);

/* For error paths: kills (SIGKILL) and reaps a child that has not been waited for. */
void tb_child__kill(struct tb_child *child);

/* Closes every descriptor; after wait or kill. Accepts TB_CHILD_INIT. */
void tb_child__close(struct tb_child *child);

#endif /* TB_CHILD_H */

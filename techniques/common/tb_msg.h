/* tb_msg.h - the one-line message a tool prints when something fails */
#ifndef TB_MSG_H
#define TB_MSG_H

/*
 * Prints "PROGRAM: MESSAGE" and a newline on stderr, PROGRAM being the name
 * the tool was run as, after flushing stdout so that the two streams stay
 * in order on a terminal. One line: what failed, why, and what to do.
 */
void tb_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Makes sure descriptors 0, 1 and 2 are open; the first thing each tool
 * does. Started with stdout closed (>&-), a tool would otherwise give that
 * number to the next file it opens (a result, a recording, a BPF map), and
 * its printf would write there. A closed one is held by /dev/null opened the
 * wrong way round, so that reads and writes still fail with EBADF, as on a
 * closed descriptor (and the tool says so), and close-on-exec, so that a
 * command the tool starts finds it closed, as it was.
 */
void tb_msg__hold_std_fds(void);

/*
 * Flushes stdout, where the tool printed WHAT ("the summary"); if that or an
 * earlier write there failed, says "cannot write WHAT to stdout: WHY" and
 * returns 1, else 0. For the end of a tool, whose exit status must say so.
 */
int tb_msg__check_stdout(const char *what);

#endif /* TB_MSG_H */

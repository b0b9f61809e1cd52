/* tb_msg.h - the one-line message a tool prints when something fails */
#ifndef TB_MSG_H
#define TB_MSG_H

/*
 * Prints "PROGRAM: MESSAGE" and a newline on stderr, PROGRAM being the name
 * the tool was run as, after flushing stdout so that the two streams stay
 * in order on a terminal. One line: what failed, why, and what to do.
 */
void tb_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* TB_MSG_H */

/* tb_gate.h - the start-gate protocol between a tracer and the program it starts */
#ifndef TB_GATE_H
#define TB_GATE_H

/*
 * The tracer passes one end of a Unix stream socket pair in the environment
 * variable TB_GATE_ENV. The program, once its threads exist and its memory is
 * initialised, sends TB_GATE_READY, then blocks reading until the tracer sends
 * TB_GATE_GO. EOF (or a reset) instead of TB_GATE_GO means the tracer is gone.
 */
#define TB_GATE_ENV "TB_GATE_FD"
#define TB_GATE_READY 'r'
#define TB_GATE_GO 'g'

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * The program's side: says it is ready (if the gate is a socket; a pipe from
 * a shell cannot carry it and nobody waits for it then), then blocks until
 * released. Returns 0 when released, -EPIPE if the tracer went away (EOF, or
 * a reset because it closed the gate with our ready byte unread), -EPROTO for
 * a byte that is not TB_GATE_GO, or -errno of a failed read.
 */
static inline __attribute__((no_instrument_function)) int tb_gate__wait(int fd)
{
	const char ready = TB_GATE_READY;
	char go = 0;
	ssize_t n;

	n = send(fd, &ready, 1, MSG_NOSIGNAL);
	(void)n;
	do
		n = read(fd, &go, 1);
	while (n < 0 && errno == EINTR);
	if (n == 0 || (n < 0 && errno == ECONNRESET))
		return -EPIPE;
	if (n < 0)
		return -errno;
	return go == TB_GATE_GO ? 0 : -EPROTO;
}

#endif /* TB_GATE_H */

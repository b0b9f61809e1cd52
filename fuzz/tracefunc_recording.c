/* tracefunc_recording.c - fuzz target: read_recording, the directory `tb-tracefunc report` reads */
#include "fuzz.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "tb_tracefunc.h"

/*
 * An image file is over a megabyte, nearly all of it room for modules and
 * functions a recording never fills. An input is the part that matters,
 * packed (little-endian, the fields of tb_tracefunc.h as they are):
 *
 *   the image's header (struct tb_tf_image up to modules[])
 *   modules[0..PACKED_MODULES), functions[0..PACKED_FUNCTIONS)
 *   the thread file's header (struct tb_tf_thread)
 *   2 bytes: n, then n bytes of the thread's data (from TB_TF_DATA_OFFSET)
 *   the rest: the drained log (log.TID), if any
 *
 * and is unpacked into DIR/1/functions, DIR/1/thread.1 and DIR/1/log.1, the
 * rest of the image zero. Built with -DTB_FUZZ_PACK this file is instead a
 * program that packs a real recording's image into an input (fuzz/seeds.sh).
 */
#define PACKED_MODULES 2
#define PACKED_FUNCTIONS 32
#define IMAGE_HEAD offsetof(struct tb_tf_image, modules)
#define MODULES_SIZE (PACKED_MODULES * sizeof(struct tb_tf_module))
#define FUNCTIONS_SIZE (PACKED_FUNCTIONS * sizeof(struct tb_tf_function))
#define THREAD_HEAD sizeof(struct tb_tf_thread)
#define FIXED (IMAGE_HEAD + MODULES_SIZE + FUNCTIONS_SIZE + THREAD_HEAD)

#ifndef TB_FUZZ_PACK

#include "tb_tracefunc_read.h"

static char root[64], image[80], files[3][96];

static void remove_recording(void)
{
	for (int i = 0; i < 3; i++)
		unlink(files[i]);
	rmdir(image);
	rmdir(root);
}

/* DIR and DIR/1, once per process, on tmpfs where there is one. */
static void make_recording_dir(void)
{
	snprintf(root, sizeof(root), "%s/tb-fuzz-tracefunc.XXXXXX",
		 access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
	if (!mkdtemp(root))
		abort();
	snprintf(image, sizeof(image), "%s/1", root);
	if (mkdir(image, 0700))
		abort();
	snprintf(files[0], sizeof(files[0]), "%s/functions", image);
	snprintf(files[1], sizeof(files[1]), "%s/thread.1", image);
	snprintf(files[2], sizeof(files[2]), "%s/log.1", image);
	atexit(remove_recording);
}

/* Writes the pieces (offset, bytes, length) into path, then sets its size. */
static void write_file(const char *path, const struct iovec *parts, const off_t *at, int nr,
		       off_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		abort();
	for (int i = 0; i < nr; i++)
		if (parts[i].iov_len && pwrite(fd, parts[i].iov_base, parts[i].iov_len, at[i]) !=
						(ssize_t)parts[i].iov_len)
			abort();
	if (ftruncate(fd, size) || close(fd))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t fixed[FIXED] = { 0 };
	const uint8_t *rest = data + FIXED;
	size_t rest_len = size > FIXED ? size - FIXED : 0, data_len = 0;
	int err;

	if (!root[0])
		make_recording_dir();
	memcpy(fixed, data, size < FIXED ? size : FIXED);
	if (rest_len >= 2) {
		data_len = rest[0] | rest[1] << 8;
		rest += 2, rest_len -= 2;
		if (data_len > rest_len)
			data_len = rest_len;
	}
	{
		const struct iovec parts[] = {
			{ fixed, IMAGE_HEAD },
			{ fixed + IMAGE_HEAD, MODULES_SIZE },
			{ fixed + IMAGE_HEAD + MODULES_SIZE, FUNCTIONS_SIZE },
		};
		const off_t at[] = { 0, offsetof(struct tb_tf_image, modules),
				     offsetof(struct tb_tf_image, functions) };

		write_file(files[0], parts, at, 3, sizeof(struct tb_tf_image));
	}
	{
		const struct iovec parts[] = {
			{ fixed + FIXED - THREAD_HEAD, THREAD_HEAD },
			{ (void *)rest, data_len },
		};
		const off_t at[] = { 0, TB_TF_DATA_OFFSET };

		write_file(files[1], parts, at, 2, TB_TF_DATA_OFFSET + data_len);
	}
	if (rest_len > data_len) {
		const struct iovec parts[] = { { (void *)(rest + data_len), rest_len - data_len } };
		const off_t at[] = { 0 };

		write_file(files[2], parts, at, 1, rest_len - data_len);
	} else {
		unlink(files[2]);
	}
	err = read_recording(root);
	if (!err) {
		fuzz_assert(rep.images == 1 && rep.mode <= TB_TF_MODE_LOG);
		for (size_t i = 0; i < rep.nr_functions; i++)
			fuzz_assert(rep.functions[i].name);
	}
	report_free();
	return 0;
}

#else /* TB_FUZZ_PACK: IMAGE_DIR TID > INPUT */

#include <sys/mman.h>

static void *map(const char *path, size_t *len)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st))
		return NULL;
	*len = st.st_size;
	p = *len ? mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

int main(int argc, char **argv)
{
	char path[4096];
	const uint8_t *im, *th, *log;
	size_t im_len, th_len, log_len = 0, data_len;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IMAGE_DIR TID > INPUT\n", argv[0]);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/functions", argv[1]);
	im = map(path, &im_len);
	snprintf(path, sizeof(path), "%s/thread.%s", argv[1], argv[2]);
	th = map(path, &th_len);
	if (!im || !th || im_len < sizeof(struct tb_tf_image) || th_len < TB_TF_DATA_OFFSET) {
		fprintf(stderr, "%s: not an image with thread %s\n", argv[1], argv[2]);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/log.%s", argv[1], argv[2]);
	log = map(path, &log_len);
	/* What the thread wrote: a ring whole (its size is checked), counts without zeros after */
	data_len = th_len - TB_TF_DATA_OFFSET;
	if (((const struct tb_tf_thread *)th)->data_bytes < data_len)
		data_len = ((const struct tb_tf_thread *)th)->data_bytes;
	while (!((const struct tb_tf_thread *)th)->ring_records && data_len &&
	       !th[TB_TF_DATA_OFFSET + data_len - 1])
		data_len--;
	if (data_len > 0xffff) {
		fprintf(stderr,
			"%s: thread %s has %zu bytes of data, more than an input holds: "
			"record with a smaller ring (-b)\n",
			argv[1], argv[2], data_len);
		return 1;
	}
	fwrite(im, 1, IMAGE_HEAD, stdout);
	fwrite(im + offsetof(struct tb_tf_image, modules), 1, MODULES_SIZE, stdout);
	fwrite(im + offsetof(struct tb_tf_image, functions), 1, FUNCTIONS_SIZE, stdout);
	fwrite(th, 1, THREAD_HEAD, stdout);
	putchar(data_len & 0xff);
	putchar(data_len >> 8);
	fwrite(th + TB_TF_DATA_OFFSET, 1, data_len, stdout);
	if (log)
		fwrite(log, 1, log_len, stdout);
	return fflush(stdout) ? 1 : 0;
}

#endif /* TB_FUZZ_PACK */

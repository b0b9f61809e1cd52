/* spec.c - fuzz target: tb_spec, the probe, symbol and system call specs and USDT argument specs */
#include "fuzz.h"

#include <errno.h>

#include "tb_spec.h"

/* tb-ptrace's table: the system call names of the kernel headers this was built against. */
static const char *const syscall_names[512] = {
#include "syscall_names.h"
};

#define NR_NAMES (sizeof(syscall_names) / sizeof(syscall_names[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstring(data, size), *path, *provider, *name, *file, *symbol, *bad;
	bool wanted[NR_NAMES] = { false };
	char word[16];
	uint32_t bits;
	uint64_t offset;
	int n, err;

	err = tb_spec__probe(text, &path, &provider, &name);
	if (!err) {
		fuzz_assert(*provider && *name && !strchr(name, ':') && !strchr(provider, ':'));
		fuzz_assert(!path || *path);
	} else {
		fuzz_assert(err == -EINVAL || err == -ENOMEM);
	}
	free(path);
	free(provider);
	free(name);

	err = tb_spec__symbol(text, &file, &symbol, &offset);
	if (!err)
		fuzz_assert(*symbol && !strchr(symbol, ':') && !strchr(symbol, '+') &&
			    (!file || *file));
	else
		fuzz_assert(err == -EINVAL || err == -ENOMEM);
	free(file);
	free(symbol);

	n = tb_spec__usdt_nr_args(text, &bits);
	fuzz_assert(n >= 0 && (n >= 32 || !(bits >> n)));
	n = tb_spec__usdt_unreadable_arg(text, word, sizeof(word));
	fuzz_assert(n < 0 ||
		    (n < tb_spec__usdt_nr_args(text, NULL) && strlen(word) < sizeof(word)));

	n = tb_spec__name_list(text, syscall_names, NR_NAMES, wanted, &bad);
	if (n >= 0) {
		fuzz_assert(!bad);
		for (size_t i = 0; i < NR_NAMES; i++)
			fuzz_assert(!wanted[i] || syscall_names[i]);
	} else {
		fuzz_assert(n == -ENOMEM || (bad && !strchr(bad, ',')));
		free(bad);
	}
	free(text);
	return 0;
}

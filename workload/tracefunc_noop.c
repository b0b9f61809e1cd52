/* tracefunc_noop.c - empty -finstrument-functions hooks: the default workload-finstrument links */

/*
 * workload-finstrument calls these at every function entry and exit. Kept in
 * a shared library, not in the executable, so a tracing library loaded with
 * LD_PRELOAD replaces them by ordinary symbol interposition; on their own they
 * measure the bare cost of being called.
 */
void __cyg_profile_func_enter(void *fn, void *call_site) __attribute__((no_instrument_function));
void __cyg_profile_func_exit(void *fn, void *call_site) __attribute__((no_instrument_function));

void __cyg_profile_func_enter(void *fn, void *call_site)
{
	(void)fn;
	(void)call_site;
}

void __cyg_profile_func_exit(void *fn, void *call_site)
{
	(void)fn;
	(void)call_site;
}

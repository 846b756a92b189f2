/*
 * unwindfirst.so: LD_PRELOADed into wine64 by tests/wine/run.sh, never
 * shipped.
 *
 * glibc loads libgcc_s (dlopen, under the loader's lock) the first time a
 * thread of the process calls pthread_exit. Under Wine the first such
 * thread is often the one Ctrl-C runs its handler on, ending while luna
 * drains and exits; Wine ends the other threads with SIGQUIT, and one
 * stopped inside that dlopen leaves the lock held. The exiting thread then
 * waits on it forever and wineserver SIGKILLs the process half a second
 * later: exit 137 where Windows would report 0.
 *
 * A thread that ends at load time takes that first dlopen; later
 * pthread_exits find libgcc_s already cached and take no lock.
 */
#include <pthread.h>
#include <stddef.h>

static void *end_at_once(void *arg)
{
	pthread_exit(arg);
}

__attribute__((constructor)) static void unwind_first(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, end_at_once, NULL) == 0)
		pthread_join(t, NULL);
}

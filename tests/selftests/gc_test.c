// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: the collector, through the GC commands of /dev/tcmk.
 *
 * The main test is property-based. Random object graphs are built through
 * the harness: precise and conservative objects of 0 to 8 slots and payloads
 * across the size classes and above them, random links with cycles and self
 * loops, random roots and pins. Reachability is computed here, and after one
 * GC_COLLECT the objects GC_ALIVE reports alive must be exactly the reachable
 * ones, each still holding its payload and the links written into it. Rounds
 * of random changes (links, roots, pins, new objects) follow, each checked
 * the same way, and every command's answer is checked against the model on
 * the way: a dead object answers -ESTALE, never anything else.
 *
 * The run is bounded by time, TCMK_GC_SECONDS (default 20), but goes on
 * until MIN_GRAPHS graphs are done. The seed is printed first;
 * TCMK_GC_SEED=<seed> replays a run, with TCMK_GC_GRAPH=<n> only its graph
 * n.
 *
 * A collection may also be started by someone else (another process, or a
 * pacer). Then an object that the model knows unreachable may die before the
 * test's next collection, and a command naming it answers -ESTALE early:
 * that is accepted only for an unreachable object and only if the
 * collector's cycle count moved.
 *
 * A concurrent variant runs the same checks in several processes at once,
 * beside one that collects without a pause, for half the time. The other
 * tests check small graphs with known answers, the largest objects, a graph
 * wider than the collector's grey stack, every command's errors, and that
 * closing a file or killing its process leaves nothing behind.
 *
 * Run as root with tcmk.ko and tcmk_harness.ko loaded; the collector's
 * counters are compared exactly, which holds while nothing else uses the
 * collector, as in the test guests.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/tcmk.h>

#include "kselftest_harness.h"
#include "open_as.h"

#define GC_DIR		"/sys/kernel/tcmk/gc"
#define NOBODY		1000
#define NSEC_PER_SEC	1000000000ULL

#define DEFAULT_SECONDS	20
#define MIN_GRAPHS	100
#define TEST_SLOTS	8	/* slots of the test's objects: 0 to 8 */
#define LARGE		32768	/* the largest size class */

/* An ioctl's result as 0 or -errno. */
static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

/* Why the collector cannot be tested here, or NULL. */
static const char *unavailable(void)
{
	if (access(TCMK_DEVICE, F_OK))
		return TCMK_DEVICE " missing: is tcmk_harness.ko loaded?";
	if (access(GC_DIR, F_OK))
		return GC_DIR " missing: a tcmk without the collector?";
	return NULL;
}

static int read_sysfs(const char *path, unsigned long long *val)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -1;
	ok = fscanf(f, "%llu", val) == 1;
	fclose(f);
	return ok ? 0 : -1;
}

static int write_sysfs(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(val, f);
	return fclose(f) ? -1 : 0;
}

/* Open the device with the collector enabled; the test fails otherwise. */
static int gc_open(struct __test_metadata *_metadata)
{
	unsigned long long enabled;
	int fd;

	ASSERT_EQ(0, read_sysfs(GC_DIR "/enabled", &enabled));
	if (!enabled)
		ASSERT_EQ(0, write_sysfs(GC_DIR "/enabled", "1"));
	fd = open(TCMK_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", TCMK_DEVICE, strerror(errno));
	return fd;
}

static int gc_alloc(int fd, uint32_t nslots, uint64_t payload, uint32_t flags,
		    uint32_t *handle)
{
	struct tcmk_ioc_gc_alloc a = {
		.nslots = nslots, .flags = flags, .payload = payload,
	};
	int ret = xioctl(fd, TCMK_IOC_GC_ALLOC, &a);

	*handle = a.handle;
	return ret;
}

static int gc_link(int fd, uint32_t src, uint32_t slot, uint32_t dst)
{
	struct tcmk_ioc_gc_link l = { .src = src, .slot = slot, .dst = dst };

	return xioctl(fd, TCMK_IOC_GC_LINK, &l);
}

static int gc_root(int fd, uint32_t handle, uint32_t op)
{
	struct tcmk_ioc_gc_root r = { .handle = handle, .op = op };

	return xioctl(fd, TCMK_IOC_GC_ROOT, &r);
}

/* PIN or UNPIN; *@pins (if not NULL) gets the pins the file then holds. */
static int gc_pin(int fd, uint32_t handle, int pin, uint64_t *pins)
{
	struct tcmk_ioc_gc_pin p = { .handle = handle };
	int ret = xioctl(fd, pin ? TCMK_IOC_GC_PIN : TCMK_IOC_GC_UNPIN, &p);

	if (pins)
		*pins = p.pins;
	return ret;
}

static int gc_collect(int fd, struct tcmk_ioc_gc_collect *c)
{
	memset(c, 0, sizeof(*c));
	return xioctl(fd, TCMK_IOC_GC_COLLECT, c);
}

static int gc_stats(int fd, struct tcmk_ioc_gc_stats *st)
{
	memset(st, 0, sizeof(*st));
	return xioctl(fd, TCMK_IOC_GC_STATS, st);
}

static struct tcmk_ioc_gc_alive alive_arg(const uint32_t *handles, uint32_t count,
					  uint32_t flags, uint64_t *bitmap)
{
	return (struct tcmk_ioc_gc_alive){
		.handles = (uintptr_t)handles, .bitmap = (uintptr_t)bitmap,
		.count = count, .flags = flags,
	};
}

static int gc_alive(int fd, const uint32_t *handles, uint32_t count,
		    uint32_t flags, uint64_t *bitmap, struct tcmk_ioc_gc_alive *a)
{
	*a = alive_arg(handles, count, flags, bitmap);
	return xioctl(fd, TCMK_IOC_GC_ALIVE, a);
}

/* 1 if the object of @handle is alive, 0 if dead, -errno on error. */
static int alive1(int fd, uint32_t handle)
{
	struct tcmk_ioc_gc_alive a;
	uint64_t bit = 0;
	int ret = gc_alive(fd, &handle, 1, 0, &bit, &a);

	return ret ? ret : (int)(bit & 1);
}

static int bit(const uint64_t *bitmap, unsigned int i)
{
	return bitmap[i / 64] >> (i % 64) & 1;
}

/* Collect, and the collector's counters after it. */
static void collect_stats(struct __test_metadata *_metadata, int fd,
			  struct tcmk_ioc_gc_stats *st)
{
	struct tcmk_ioc_gc_collect c;

	ASSERT_EQ(0, gc_collect(fd, &c));
	ASSERT_EQ(0, gc_stats(fd, st));
}

/*
 * What must come back once a file's objects are garbage and collected; and
 * whatever userspace asked, the harness never misused the collector's API.
 */
#define EXPECT_GC_SETTLED(before, after) do {				\
	EXPECT_EQ((before).bad_calls_total, (after).bad_calls_total);	\
	EXPECT_EQ((before).heap_objects, (after).heap_objects);		\
	EXPECT_EQ((before).heap_bytes, (after).heap_bytes);		\
	EXPECT_EQ((before).roots, (after).roots);			\
	EXPECT_EQ((before).pinned, (after).pinned);			\
	EXPECT_EQ((before).weak_refs, (after).weak_refs);		\
} while (0)

/* splitmix64, for the model's choices. */
static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

#define GOLDEN		0x9e3779b97f4a7c15ULL

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/*
 * The model: what the test has done to one open file's objects.
 * @slot:	the index of the object linked in each slot, -1 for NULL.
 * @pins:	pins the file holds.
 * @dead:	a collection freed it (a check, or an -ESTALE, showed it).
 */
struct mobj {
	uint32_t handle;
	uint32_t nslots;
	uint64_t payload;
	int conservative;
	int slot[TEST_SLOTS];
	int rooted;
	int pins;
	int dead;
};

/**
 * struct run - the property test's state.
 * @where:	the graph and step, for failure messages.
 * @base:	the collector's counters with none of the test's objects.
 * @cycles:	collections completed after the test's last one.
 * @carry:	objects of closed files not yet seen freed.
 * @shared:	other processes use the collector at the same time, so its
 *		counters are not this run's alone.
 */
struct run {
	int fd;
	int shared;
	uint64_t rng;
	struct mobj *o;
	int n, cap;
	char where[96];
	struct tcmk_ioc_gc_stats base;
	uint64_t cycles;
	uint64_t carry;
	/* Totals for the log. */
	unsigned long graphs, objects, links, collections, freed, large;
	unsigned long conservative, stale_checked, background;
};

static uint64_t rnd(struct run *r)
{
	r->rng += GOLDEN;
	return mix(r->rng);
}

static uint32_t below(struct run *r, uint32_t n)
{
	return rnd(r) % n;
}

static int chance(struct run *r, unsigned int pct)
{
	return below(r, 100) < pct;
}

/* Payload sizes across the classes, and now and then a large object. */
static uint64_t pick_payload(struct run *r, int large)
{
	uint32_t p = below(r, 100);

	if (large || p == 99)
		return LARGE + 1 + below(r, 16384);
	if (p < 35)
		return 0;
	if (p < 65)
		return 1 + below(r, 64);
	if (p < 82)
		return 65 + below(r, 960);
	if (p < 93)
		return 1025 + below(r, 7168);
	return 8193 + below(r, LARGE - 8192 - TEST_SLOTS * 8);
}

static void reachable(const struct run *r, char *reach)
{
	int *stack = malloc((r->n + 1) * sizeof(*stack));
	int top = 0, i, s;

	memset(reach, 0, r->n);
	for (i = 0; i < r->n; i++) {
		if (!r->o[i].dead && (r->o[i].rooted || r->o[i].pins)) {
			reach[i] = 1;
			stack[top++] = i;
		}
	}
	while (top) {
		const struct mobj *o = &r->o[stack[--top]];

		for (s = 0; s < (int)o->nslots; s++) {
			int t = o->slot[s];

			if (t >= 0 && !reach[t]) {
				reach[t] = 1;
				stack[top++] = t;
			}
		}
	}
	free(stack);
}

static void describe(const struct run *r, int i, char *buf, size_t len)
{
	const struct mobj *o = &r->o[i];
	size_t n;
	int s;

	n = snprintf(buf, len, "handle %u (%s, %u slots, payload %llu, %s%d pins%s) ->",
		     o->handle, o->conservative ? "conservative" : "precise",
		     o->nslots, (unsigned long long)o->payload,
		     o->rooted ? "rooted, " : "", o->pins,
		     o->dead ? ", dead" : "");
	for (s = 0; s < (int)o->nslots && n < len; s++)
		n += snprintf(buf + n, len - n, " %d",
			      o->slot[s] < 0 ? 0 : (int)r->o[o->slot[s]].handle);
}

/*
 * Collect and compare: the alive objects are exactly the reachable ones,
 * intact, and the collector's counters agree with the model.
 */
static void check(struct __test_metadata *_metadata, struct run *r)
{
	char *reach = malloc(r->n + 1), desc[256];
	uint32_t *handles = malloc((r->n + 1) * sizeof(*handles));
	uint64_t *bitmap = calloc(r->n / 64 + 1, sizeof(*bitmap));
	uint64_t want_alive = 0, newly_dead = 0, rooted = 0, pinned = 0;
	struct tcmk_ioc_gc_collect c;
	struct tcmk_ioc_gc_stats st;
	struct tcmk_ioc_gc_alive a;
	int i, wrong = 0;

	ASSERT_NE(NULL, reach);
	ASSERT_NE(NULL, handles);
	ASSERT_NE(NULL, bitmap);
	ASSERT_EQ(0, gc_collect(r->fd, &c)) TH_LOG("%s", r->where);
	r->collections++;
	reachable(r, reach);
	for (i = 0; i < r->n; i++) {
		handles[i] = r->o[i].handle;
		want_alive += reach[i];
		newly_dead += !reach[i] && !r->o[i].dead;
		rooted += r->o[i].rooted;
		pinned += r->o[i].pins > 0;
	}
	ASSERT_EQ(0, gc_alive(r->fd, handles, r->n, TCMK_GC_ALIVE_CHECK, bitmap, &a))
		TH_LOG("%s", r->where);
	for (i = 0; i < r->n; i++) {
		if (bit(bitmap, i) == reach[i])
			continue;
		if (wrong++ < 8) {
			describe(r, i, desc, sizeof(desc));
			TH_LOG("%s: %s %s", r->where, desc,
			       reach[i] ? "was freed, but is reachable" :
			       "is alive, but unreachable");
		}
	}
	EXPECT_EQ(0, wrong) TH_LOG("%s: %d of %d objects wrong", r->where, wrong, r->n);
	EXPECT_EQ(want_alive, a.alive) TH_LOG("%s", r->where);
	EXPECT_EQ(0, a.corrupt) TH_LOG("%s: live objects changed", r->where);

	EXPECT_LT(r->cycles, c.cycles) TH_LOG("%s: no collection ran", r->where);
	/* Exactly the test's collection ran: it freed exactly the garbage. */
	if (!r->shared && c.cycles == r->cycles + 1)
		EXPECT_EQ(newly_dead + r->carry, c.freed_objects) TH_LOG("%s", r->where);
	if (!r->shared) {
		ASSERT_EQ(0, gc_stats(r->fd, &st));
		EXPECT_EQ(r->base.heap_objects + want_alive, st.heap_objects)
			TH_LOG("%s", r->where);
		EXPECT_EQ(r->base.weak_refs + r->n, st.weak_refs) TH_LOG("%s", r->where);
		EXPECT_EQ(r->base.roots + rooted, st.roots) TH_LOG("%s", r->where);
		EXPECT_EQ(r->base.pinned + pinned, st.pinned) TH_LOG("%s", r->where);
		EXPECT_EQ(r->base.bad_calls_total, st.bad_calls_total)
			TH_LOG("%s", r->where);
	}
	r->cycles = c.cycles;
	r->carry = 0;
	r->freed += newly_dead;
	for (i = 0; i < r->n; i++)
		if (!reach[i])
			r->o[i].dead = 1;
	free(bitmap);
	free(handles);
	free(reach);
	ASSERT_EQ(0, wrong);
	ASSERT_EQ(0, a.corrupt);
}

/*
 * A command answered -ESTALE naming objects @i and @j (-1: none) that the
 * model did not know dead. Only a collection of its own may have freed them,
 * and only if they were unreachable: see which died and record it.
 */
static void early_death(struct __test_metadata *_metadata, struct run *r,
			int i, int j, const char *op)
{
	char *reach = malloc(r->n + 1), desc[256];
	struct tcmk_ioc_gc_stats st;
	int k, idx, wait, died = 0;

	ASSERT_NE(NULL, reach);
	reachable(r, reach);
	ASSERT_EQ(0, gc_stats(r->fd, &st));
	for (k = 0; k < 2; k++) {
		idx = k ? j : i;
		if (idx < 0 || r->o[idx].dead || alive1(r->fd, r->o[idx].handle))
			continue;
		describe(r, idx, desc, sizeof(desc));
		ASSERT_FALSE(reach[idx]) TH_LOG("%s: %s: %s was freed, but is reachable",
						r->where, op, desc);
		/*
		 * A cycle's deaths show from its end of marking; it counts
		 * when its sweep is done, which cannot take long.
		 */
		for (wait = 0; r->cycles >= st.cycles && wait < 10000; wait++) {
			usleep(1000);
			ASSERT_EQ(0, gc_stats(r->fd, &st));
		}
		ASSERT_LT(r->cycles, st.cycles)
			TH_LOG("%s: %s: %s died with no collection", r->where, op, desc);
		r->o[idx].dead = 1;
		died++;
	}
	ASSERT_LT(0, died) TH_LOG("%s: %s answered ESTALE, yet its objects are alive",
				  r->where, op);
	r->background++;
	free(reach);
}

/*
 * The answer @got of a command on objects @i and @j, against @want, the
 * model's. -ESTALE in place of another answer may be an early death.
 * Returns 1 if the command took effect.
 */
static int answer(struct __test_metadata *_metadata, struct run *r, int got,
		  int want, int i, int j, const char *op)
{
	if (got == -ESTALE && want != -ESTALE) {
		early_death(_metadata, r, i, j, op);
		return 0;
	}
	ASSERT_EQ(want, got) TH_LOG("%s: %s on handles %u, %u: %s, not %s", r->where,
				    op, r->o[i].handle, j < 0 ? 0 : r->o[j].handle,
				    strerror(-got), strerror(-want));
	if (want == -ESTALE)
		r->stale_checked++;
	return !got;
}

static int add_object(struct __test_metadata *_metadata, struct run *r, int large)
{
	struct mobj *o;
	uint32_t flags = 0;
	int s;

	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->o = realloc(r->o, r->cap * sizeof(*r->o));
		ASSERT_NE(NULL, r->o);
	}
	o = &r->o[r->n];
	memset(o, 0, sizeof(*o));
	o->nslots = below(r, TEST_SLOTS + 1);
	o->payload = pick_payload(r, large);
	if (!o->nslots && !o->payload)
		o->payload = 1 + below(r, 8);
	o->conservative = chance(r, 50);
	for (s = 0; s < TEST_SLOTS; s++)
		o->slot[s] = -1;
	if (o->conservative)
		flags |= TCMK_GC_CONSERVATIVE;
	if (chance(r, 10)) {
		flags |= TCMK_GC_PINNED;
		o->pins = 1;
	}
	ASSERT_EQ(0, gc_alloc(r->fd, o->nslots, o->payload, flags, &o->handle))
		TH_LOG("%s: alloc %u slots, %llu bytes: %s", r->where, o->nslots,
		       (unsigned long long)o->payload, strerror(errno));
	ASSERT_NE(0, o->handle);
	r->objects++;
	r->conservative += o->conservative;
	r->large += o->payload > LARGE;
	return r->n++;
}

/* Link @dst (-1: NULL) into slot @s of @src. */
static void link_objects(struct __test_metadata *_metadata, struct run *r,
			 int src, int s, int dst)
{
	int want = 0, got;

	if (r->o[src].dead || (dst >= 0 && r->o[dst].dead))
		want = -ESTALE;
	got = gc_link(r->fd, r->o[src].handle, s, dst < 0 ? 0 : r->o[dst].handle);
	if (answer(_metadata, r, got, want, src, dst, "link")) {
		r->o[src].slot[s] = dst;
		r->links++;
	}
}

/* A random object with slots, or -1. */
static int pick_source(struct run *r)
{
	int tries, i;

	for (tries = 0; tries < 8; tries++) {
		i = below(r, r->n);
		if (r->o[i].nslots)
			return i;
	}
	return -1;
}

static void random_link(struct __test_metadata *_metadata, struct run *r,
			int src, int dst)
{
	if (src < 0)
		return;
	if (dst == -2)
		dst = chance(r, 15) ? -1 : chance(r, 10) ? src : (int)below(r, r->n);
	link_objects(_metadata, r, src, below(r, r->o[src].nslots), dst);
}

/* A random object, or with @pct% a random one with @pred true. */
static int pick(struct run *r, int pct, int (*pred)(const struct mobj *))
{
	int i, k;

	if (chance(r, pct)) {
		k = below(r, r->n);
		for (i = 0; i < r->n; i++)
			if (pred(&r->o[(k + i) % r->n]))
				return (k + i) % r->n;
	}
	return below(r, r->n);
}

static int is_rooted(const struct mobj *o)
{
	return o->rooted;
}

static int is_pinned(const struct mobj *o)
{
	return o->pins > 0;
}

static void set_root(struct __test_metadata *_metadata, struct run *r, int i, int add)
{
	struct mobj *o = &r->o[i];
	int want, got;

	if (o->dead)
		want = -ESTALE;
	else if (add)
		want = o->rooted ? -EEXIST : 0;
	else
		want = o->rooted ? 0 : -EINVAL;
	got = gc_root(r->fd, o->handle, add ? TCMK_GC_ROOT_ADD : TCMK_GC_ROOT_DEL);
	if (answer(_metadata, r, got, want, i, -1, add ? "root add" : "root del"))
		o->rooted = add;
}

static void set_pin(struct __test_metadata *_metadata, struct run *r, int i, int add)
{
	struct mobj *o = &r->o[i];
	uint64_t pins;
	int want, got;

	if (o->dead)
		want = -ESTALE;
	else
		want = add || o->pins ? 0 : -EINVAL;
	got = gc_pin(r->fd, o->handle, add, &pins);
	if (!answer(_metadata, r, got, want, i, -1, add ? "pin" : "unpin"))
		return;
	o->pins += add ? 1 : -1;
	ASSERT_EQ(o->pins, pins) TH_LOG("%s", r->where);
}

static void mutate(struct __test_metadata *_metadata, struct run *r)
{
	uint32_t op = below(r, 100);
	int i;

	if (op < 35) {
		random_link(_metadata, r, pick_source(r), -2);
	} else if (op < 45) {
		set_root(_metadata, r, below(r, r->n), 1);
	} else if (op < 60) {
		set_root(_metadata, r, pick(r, 80, is_rooted), 0);
	} else if (op < 70) {
		set_pin(_metadata, r, below(r, r->n), 1);
	} else if (op < 85) {
		set_pin(_metadata, r, pick(r, 80, is_pinned), 0);
	} else {
		i = add_object(_metadata, r, 0);
		if (chance(r, 70))
			random_link(_metadata, r, pick_source(r), i);
		if (r->o[i].nslots && chance(r, 50))
			random_link(_metadata, r, i, -2);
	}
}

/* One graph: built, checked, then changed and checked round after round. */
static void one_graph(struct __test_metadata *_metadata, struct run *r,
		      uint64_t master, unsigned long g)
{
	uint32_t size = below(r, 100);
	int n, i, s, k, rounds, ops;

	n = size < 70 ? 1 + below(r, 12) : size < 95 ? 13 + below(r, 48) :
	    61 + below(r, 140);
	r->n = 0;
	r->fd = gc_open(_metadata);
	snprintf(r->where, sizeof(r->where), "seed %#llx graph %lu, building",
		 (unsigned long long)master, g);
	for (i = 0; i < n; i++)
		add_object(_metadata, r, g == 0 && i == 0);
	for (i = 0; i < n; i++)
		for (s = 0; s < (int)r->o[i].nslots; s++)
			if (chance(r, 55))
				link_objects(_metadata, r, i, s,
					     chance(r, 10) ? i : (int)below(r, n));
	for (i = 0; i < n; i++) {
		if (chance(r, 12))
			set_root(_metadata, r, i, 1);
		for (k = chance(r, 10) ? 1 + below(r, 2) : 0; k; k--)
			set_pin(_metadata, r, i, 1);
	}
	snprintf(r->where, sizeof(r->where), "seed %#llx graph %lu, built",
		 (unsigned long long)master, g);
	check(_metadata, r);

	for (rounds = 1 + below(r, 4), k = 1; k <= rounds; k++) {
		snprintf(r->where, sizeof(r->where), "seed %#llx graph %lu, round %d",
			 (unsigned long long)master, g, k);
		for (ops = 1 + below(r, 2 * r->n + 4); ops; ops--)
			mutate(_metadata, r);
		check(_metadata, r);
	}
	close(r->fd);
	/* Closing dropped the roots and pins: the next collection frees all. */
	for (i = 0; i < r->n; i++)
		r->carry += !r->o[i].dead;
	r->graphs++;
}

static uint64_t env_u64(const char *name, uint64_t dflt, int *set)
{
	const char *v = getenv(name);

	if (set)
		*set = v && *v;
	return v && *v ? strtoull(v, NULL, 0) : dflt;
}

FIXTURE(gc) {};
FIXTURE_SETUP(gc) {}
FIXTURE_TEARDOWN(gc) {}

/* The budget is 20 s, or the time MIN_GRAPHS take on a slow guest. */
TEST_F_TIMEOUT(gc, random_graphs_alive_equals_reachable, 600)
{
	uint64_t master, budget, start, graph;
	struct tcmk_ioc_gc_stats after;
	struct run r = { 0 };
	int one, fd;

	if (unavailable())
		SKIP(return, "%s", unavailable());
	master = env_u64("TCMK_GC_SEED", mix(now_ns() ^ getpid()), NULL);
	budget = env_u64("TCMK_GC_SECONDS", DEFAULT_SECONDS, NULL) * NSEC_PER_SEC;
	graph = env_u64("TCMK_GC_GRAPH", 0, &one);
	TH_LOG("seed %#llx (replay: TCMK_GC_SEED=%#llx, one graph of it: TCMK_GC_GRAPH=n)",
	       (unsigned long long)master, (unsigned long long)master);

	/* A file of its own to read the counters, and a clean start. */
	fd = gc_open(_metadata);
	collect_stats(_metadata, fd, &r.base);
	r.cycles = r.base.cycles;

	start = now_ns();
	for (; one ? r.graphs < 1 :
	     r.graphs < MIN_GRAPHS || now_ns() - start < budget; graph++) {
		r.rng = mix(master + graph * GOLDEN);
		one_graph(_metadata, &r, master, graph);
	}

	/* The last graph's objects were garbage once its file closed. */
	collect_stats(_metadata, fd, &after);
	EXPECT_GC_SETTLED(r.base, after);
	close(fd);
	TH_LOG("%lu graphs in %.1f s: %lu objects (%lu conservative, %lu above %d bytes), %lu links, %lu collections freed %lu objects; %lu dead-handle answers checked, %lu early deaths",
	       r.graphs, (now_ns() - start) / 1e9, r.objects, r.conservative,
	       r.large, LARGE, r.links, r.collections, r.freed, r.stale_checked,
	       r.background);
	if (!one) {
		EXPECT_LE(MIN_GRAPHS, r.graphs);
		EXPECT_LT(0, r.large) TH_LOG("no object above %d bytes", LARGE);
		EXPECT_LT(0, r.conservative);
		EXPECT_LT(0, r.objects - r.conservative);
	}
	free(r.o);
}

#define PROCS		3	/* processes building graphs at once */

/*
 * One of the processes of the concurrent test: graphs until @deadline (and
 * at least MIN_GRAPHS / PROCS), then exit 0 if every check held.
 */
static void graphs_in_child(struct __test_metadata *_metadata, uint64_t master,
			    unsigned int proc, uint64_t deadline)
{
	struct run r = { .shared = 1 };
	uint64_t graph;

	for (graph = 0; r.graphs < MIN_GRAPHS / PROCS || now_ns() < deadline; graph++) {
		r.rng = mix(master + (graph * PROCS + proc) * GOLDEN);
		one_graph(_metadata, &r, master, graph * PROCS + proc);
	}
	TH_LOG("process %u: %lu graphs, %lu objects, %lu collections, %lu early deaths",
	       proc, r.graphs, r.objects, r.collections, r.background);
	free(r.o);
	_exit(_metadata->passed ? 0 : 1);
}

/*
 * The same checks with PROCS processes at once, each on a file of its own,
 * while the pacer starts cycles by itself: gc/limit_bytes at 1 byte puts the
 * heap goal just above what the last cycle marked, so a cycle starts as soon
 * as one ends and the processes allocate. Each process's collections and
 * changes meet the others' and the pacer's cycles, so writes, pins, weak
 * references and allocations run beside marking, and objects die early.
 */
TEST_F_TIMEOUT(gc, concurrent_graphs_alive_equals_reachable, 600)
{
	uint64_t master, deadline;
	struct tcmk_ioc_gc_stats before, after;
	unsigned long long percent, limit, paced0, paced1;
	pid_t pids[PROCS];
	int fd, status, failed = 0;
	char old[32];
	unsigned int p;

	if (unavailable())
		SKIP(return, "%s", unavailable());
	master = env_u64("TCMK_GC_SEED", mix(now_ns() ^ getpid()), NULL) ^ 1;
	TH_LOG("seed %#llx", (unsigned long long)master);
	fd = gc_open(_metadata);
	collect_stats(_metadata, fd, &before);
	deadline = now_ns() + env_u64("TCMK_GC_SECONDS", DEFAULT_SECONDS, NULL) *
			      NSEC_PER_SEC / 2;

	ASSERT_EQ(0, read_sysfs(GC_DIR "/percent", &percent));
	ASSERT_EQ(0, read_sysfs(GC_DIR "/limit_bytes", &limit));
	ASSERT_EQ(0, read_sysfs(GC_DIR "/cycles_paced", &paced0));
	ASSERT_EQ(0, write_sysfs(GC_DIR "/percent", "100"));
	ASSERT_EQ(0, write_sysfs(GC_DIR "/limit_bytes", "1"));
	for (p = 0; p < PROCS; p++) {
		pids[p] = fork();
		ASSERT_LE(0, pids[p]);
		if (pids[p] == 0)
			graphs_in_child(_metadata, master, p, deadline);
	}
	for (p = 0; p < PROCS; p++) {
		ASSERT_EQ(pids[p], waitpid(pids[p], &status, 0));
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	}
	EXPECT_EQ(0, failed) TH_LOG("%d of %d processes failed", failed, PROCS);
	ASSERT_EQ(0, read_sysfs(GC_DIR "/cycles_paced", &paced1));
	snprintf(old, sizeof(old), "%llu", limit);
	ASSERT_EQ(0, write_sysfs(GC_DIR "/limit_bytes", old));
	snprintf(old, sizeof(old), "%lld", (long long)(int)percent);
	ASSERT_EQ(0, write_sysfs(GC_DIR "/percent", old));
	TH_LOG("%llu cycles started by the pacer", paced1 - paced0);
	/*
	 * The processes' own collections keep the heap near its goal too, so
	 * how many cycles the pacer starts depends on the guest's timing (a
	 * debug guest once saw only 8); that it starts any is what counts.
	 */
	EXPECT_LT(paced0, paced1);

	collect_stats(_metadata, fd, &after);
	EXPECT_GC_SETTLED(before, after);
	close(fd);
}

/* Small graphs whose answers are known, one property at a time. */
TEST(known_graphs)
{
	uint32_t a, b, c, d, e, plain[2];
	struct tcmk_ioc_alloc pa = { .size = 64, .count = 2, .handles = (uintptr_t)plain };
	struct tcmk_ioc_object po = { 0 };
	struct tcmk_ioc_gc_collect col;
	uint64_t pins;
	int fd;

	if (unavailable())
		SKIP(return, "%s", unavailable());
	fd = gc_open(_metadata);

	/* A new object is garbage; TCMK_GC_PINNED keeps it. */
	ASSERT_EQ(0, gc_alloc(fd, 1, 16, 0, &a));
	ASSERT_EQ(0, gc_alloc(fd, 1, 16, TCMK_GC_PINNED, &b));
	ASSERT_EQ(0, gc_collect(fd, &col));
	EXPECT_EQ(0, alive1(fd, a));
	EXPECT_EQ(1, alive1(fd, b));
	/* A dead handle stays dead and says so. */
	EXPECT_EQ(-ESTALE, gc_pin(fd, a, 1, NULL));
	EXPECT_EQ(-ESTALE, gc_link(fd, b, 0, a));
	ASSERT_EQ(0, gc_pin(fd, b, 1, &pins));
	EXPECT_EQ(2, pins);
	ASSERT_EQ(0, gc_pin(fd, b, 0, &pins));
	EXPECT_EQ(1, pins);

	/* A cycle through a root lives; cut from the root, it dies whole. */
	ASSERT_EQ(0, gc_alloc(fd, 2, 100, 0, &c));
	ASSERT_EQ(0, gc_alloc(fd, 1, 100, TCMK_GC_CONSERVATIVE, &d));
	ASSERT_EQ(0, gc_alloc(fd, 0, 40000, TCMK_GC_CONSERVATIVE, &e));
	ASSERT_EQ(0, gc_root(fd, c, TCMK_GC_ROOT_ADD));
	ASSERT_EQ(0, gc_link(fd, c, 0, d));
	ASSERT_EQ(0, gc_link(fd, d, 0, c));
	ASSERT_EQ(0, gc_link(fd, c, 1, c));
	ASSERT_EQ(0, gc_link(fd, d, 0, e));
	ASSERT_EQ(0, gc_link(fd, d, 0, c));	/* e now unlinked */
	ASSERT_EQ(0, gc_collect(fd, &col));
	EXPECT_EQ(1, alive1(fd, c));
	EXPECT_EQ(1, alive1(fd, d));
	EXPECT_EQ(0, alive1(fd, e));
	ASSERT_EQ(0, gc_root(fd, c, TCMK_GC_ROOT_DEL));
	/* Reachable only from the pinned b: alive. */
	ASSERT_EQ(0, gc_link(fd, b, 0, d));
	ASSERT_EQ(0, gc_collect(fd, &col));
	EXPECT_EQ(1, alive1(fd, c));
	EXPECT_EQ(1, alive1(fd, d));
	ASSERT_EQ(0, gc_link(fd, b, 0, 0));
	ASSERT_EQ(0, gc_collect(fd, &col));
	EXPECT_EQ(0, alive1(fd, c));
	EXPECT_EQ(0, alive1(fd, d));
	EXPECT_EQ(1, alive1(fd, b));
	EXPECT_LE(2, col.freed_objects);

	/* GC handles are apart from ALLOC's: plain handle 2 is another object. */
	ASSERT_EQ(0, xioctl(fd, TCMK_IOC_ALLOC, &pa));
	EXPECT_EQ(2, plain[1]);
	EXPECT_EQ(2, b);
	po.handle = plain[1];
	EXPECT_EQ(0, xioctl(fd, TCMK_IOC_FREE, &po));
	EXPECT_EQ(-ENOENT, xioctl(fd, TCMK_IOC_FREE, &po));
	EXPECT_EQ(1, alive1(fd, b));
	EXPECT_EQ(0, gc_pin(fd, b, 1, &pins));
	EXPECT_EQ(2, pins);
	close(fd);
}

/*
 * A graph wider than the collector's grey stack (8192 entries in this
 * version): a chain whose every node holds 63 leaves with slots, scanned so
 * that each node's leaves wait on the stack while the chain goes on. The
 * leaves that find no room are found again by rescanning their spans; the
 * answer must be the same.
 */
#define COMB_NODES	140
#define COMB_LEAVES	(TCMK_GC_MAX_SLOTS - 1)

TEST(wide_graph_overflows_the_grey_stack)
{
	uint32_t n = COMB_NODES * (COMB_LEAVES + 1), *h = calloc(n, sizeof(*h));
	uint64_t *bitmap = calloc(n / 64 + 1, sizeof(*bitmap));
	struct tcmk_ioc_gc_stats before, st;
	struct tcmk_ioc_gc_alive a;
	uint32_t i, k, done, chunk;
	int fd;

	if (unavailable())
		SKIP(return, "%s", unavailable());
	ASSERT_NE(NULL, h);
	ASSERT_NE(NULL, bitmap);
	fd = gc_open(_metadata);
	collect_stats(_metadata, fd, &before);
	/* Node i is h[i]; its leaves follow the nodes. Pinned while built. */
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, gc_alloc(fd, i < COMB_NODES ? TCMK_GC_MAX_SLOTS : 1, 8,
				      TCMK_GC_PINNED | (i < COMB_NODES ? 0 :
							TCMK_GC_CONSERVATIVE), &h[i]));
	for (i = 0; i < COMB_NODES; i++) {
		for (k = 0; k < COMB_LEAVES; k++)
			ASSERT_EQ(0, gc_link(fd, h[i], k,
					     h[COMB_NODES + i * COMB_LEAVES + k]));
		if (i + 1 < COMB_NODES)
			ASSERT_EQ(0, gc_link(fd, h[i], COMB_LEAVES, h[i + 1]));
	}
	ASSERT_EQ(0, gc_root(fd, h[0], TCMK_GC_ROOT_ADD));
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, gc_pin(fd, h[i], 0, NULL));

	collect_stats(_metadata, fd, &st);
	EXPECT_LT(before.overflows_total, st.overflows_total)
		TH_LOG("%u objects and no grey-stack overflow: is the stack larger?", n);
	EXPECT_EQ(before.heap_objects + n, st.heap_objects);
	for (done = 0; done < n; done += chunk) {
		chunk = n - done < TCMK_GC_MAX_ALIVE ? n - done : TCMK_GC_MAX_ALIVE;
		ASSERT_EQ(0, gc_alive(fd, h + done, chunk, TCMK_GC_ALIVE_CHECK,
				      bitmap, &a));
		EXPECT_EQ(chunk, a.alive);
		EXPECT_EQ(0, a.corrupt);
	}

	/* Cut halfway: the second half of the chain and its leaves die. */
	ASSERT_EQ(0, gc_link(fd, h[COMB_NODES / 2 - 1], COMB_LEAVES, 0));
	collect_stats(_metadata, fd, &st);
	EXPECT_EQ(before.heap_objects + n / 2, st.heap_objects);
	EXPECT_EQ(1, alive1(fd, h[COMB_NODES / 2 - 1]));
	EXPECT_EQ(0, alive1(fd, h[COMB_NODES / 2]));
	EXPECT_EQ(1, alive1(fd, h[COMB_NODES + (COMB_NODES / 2) * COMB_LEAVES - 1]));
	EXPECT_EQ(0, alive1(fd, h[COMB_NODES + (COMB_NODES / 2) * COMB_LEAVES]));
	close(fd);
	fd = gc_open(_metadata);
	collect_stats(_metadata, fd, &st);
	EXPECT_GC_SETTLED(before, st);
	close(fd);
	free(bitmap);
	free(h);
}

/*
 * The largest objects: 4 MiB, above the page heap's chunks, from pages of
 * their own. A precise one (all 64 slots) holds a conservative one.
 */
TEST(largest_objects)
{
	struct tcmk_ioc_gc_stats before, st;
	struct tcmk_ioc_gc_alive a;
	uint32_t h[3];
	uint64_t bitmap[1];
	int fd;

	if (unavailable())
		SKIP(return, "%s", unavailable());
	fd = gc_open(_metadata);
	collect_stats(_metadata, fd, &before);
	ASSERT_EQ(0, gc_alloc(fd, TCMK_GC_MAX_SLOTS,
			      TCMK_IOC_MAX_SIZE - TCMK_GC_MAX_SLOTS * 8, TCMK_GC_PINNED, &h[0]));
	ASSERT_EQ(0, gc_alloc(fd, 1, TCMK_IOC_MAX_SIZE - 8,
			      TCMK_GC_PINNED | TCMK_GC_CONSERVATIVE, &h[1]));
	ASSERT_EQ(0, gc_alloc(fd, 1, 8, TCMK_GC_PINNED, &h[2]));
	ASSERT_EQ(0, gc_link(fd, h[0], TCMK_GC_MAX_SLOTS - 1, h[1]));
	ASSERT_EQ(0, gc_link(fd, h[1], 0, h[2]));
	ASSERT_EQ(0, gc_pin(fd, h[1], 0, NULL));
	ASSERT_EQ(0, gc_pin(fd, h[2], 0, NULL));
	collect_stats(_metadata, fd, &st);
	ASSERT_EQ(0, gc_alive(fd, h, 3, TCMK_GC_ALIVE_CHECK, bitmap, &a));
	EXPECT_EQ(7, bitmap[0]);
	EXPECT_EQ(0, a.corrupt);
	EXPECT_EQ(before.heap_objects + 3, st.heap_objects);
	EXPECT_LE(before.heap_bytes + 2 * TCMK_IOC_MAX_SIZE, st.heap_bytes);

	ASSERT_EQ(0, gc_pin(fd, h[0], 0, NULL));
	collect_stats(_metadata, fd, &st);
	ASSERT_EQ(0, gc_alive(fd, h, 3, 0, bitmap, &a));
	EXPECT_EQ(0, bitmap[0]);
	EXPECT_EQ(before.heap_objects, st.heap_objects);
	EXPECT_EQ(before.heap_bytes, st.heap_bytes);
	close(fd);
}

/* Pins and roots nest and count per file, as the collector's counters show. */
TEST(pins_and_roots_count)
{
	struct tcmk_ioc_gc_stats before, st;
	uint32_t h;
	uint64_t pins;
	int fd, i;

	if (unavailable())
		SKIP(return, "%s", unavailable());
	fd = gc_open(_metadata);
	collect_stats(_metadata, fd, &before);
	ASSERT_EQ(0, gc_alloc(fd, 3, 0, TCMK_GC_PINNED, &h));
	for (i = 2; i <= 3; i++) {
		ASSERT_EQ(0, gc_pin(fd, h, 1, &pins));
		EXPECT_EQ(i, pins);
	}
	ASSERT_EQ(0, gc_root(fd, h, TCMK_GC_ROOT_ADD));
	ASSERT_EQ(0, gc_stats(fd, &st));
	EXPECT_EQ(before.pinned + 1, st.pinned);
	EXPECT_EQ(before.roots + 1, st.roots);
	EXPECT_EQ(before.weak_refs + 1, st.weak_refs);
	for (i = 2; i >= 0; i--) {
		ASSERT_EQ(0, gc_pin(fd, h, 0, &pins));
		EXPECT_EQ(i, pins);
	}
	EXPECT_EQ(-EINVAL, gc_pin(fd, h, 0, &pins));
	ASSERT_EQ(0, gc_stats(fd, &st));
	EXPECT_EQ(before.pinned, st.pinned);
	/* Rooted and unpinned: still alive after a collection. */
	collect_stats(_metadata, fd, &st);
	EXPECT_EQ(1, alive1(fd, h));
	EXPECT_EQ(before.heap_objects + 1, st.heap_objects);
	ASSERT_EQ(0, gc_root(fd, h, TCMK_GC_ROOT_DEL));
	collect_stats(_metadata, fd, &st);
	EXPECT_EQ(0, alive1(fd, h));
	EXPECT_EQ(before.roots, st.roots);
	EXPECT_EQ(before.heap_objects, st.heap_objects);
	close(fd);
}

static void expect_errno(struct __test_metadata *_metadata, int fd,
			 unsigned long cmd, const char *name, void *arg, int err,
			 int line)
{
	EXPECT_EQ(-err, xioctl(fd, cmd, arg)) TH_LOG("%s, line %d", name, line);
}

static const unsigned long gc_cmds[] = {
	TCMK_IOC_GC_ALLOC, TCMK_IOC_GC_LINK, TCMK_IOC_GC_ROOT, TCMK_IOC_GC_PIN,
	TCMK_IOC_GC_UNPIN, TCMK_IOC_GC_COLLECT, TCMK_IOC_GC_ALIVE,
	TCMK_IOC_GC_STATS,
};

/* Every command's bad input, with the errno the uapi header documents. */
/*
 * The pacer's and the assists' figures come through the ioctl as sysfs shows
 * them: read at rest, after a collection, they agree.
 */
TEST(gc_stats_agree_with_sysfs)
{
	unsigned long long goal, paced, assist, workers, fins;
	struct tcmk_ioc_gc_stats st;
	int fd;

	if (unavailable())
		SKIP(return, "%s", unavailable());
	fd = gc_open(_metadata);
	collect_stats(_metadata, fd, &st);
	ASSERT_EQ(0, read_sysfs(GC_DIR "/heap_goal", &goal));
	ASSERT_EQ(0, read_sysfs(GC_DIR "/cycles_paced", &paced));
	ASSERT_EQ(0, read_sysfs(GC_DIR "/assist_bytes_total", &assist));
	ASSERT_EQ(0, read_sysfs(GC_DIR "/mark_workers", &workers));
	ASSERT_EQ(0, read_sysfs(GC_DIR "/finalizers_run_total", &fins));
	/* Counters read later are no smaller (finalizers run on a worker). */
	EXPECT_EQ(goal, st.heap_goal);
	EXPECT_LE(st.cycles_paced, paced);
	EXPECT_LE(st.assist_bytes_total, assist);
	EXPECT_LE(st.finalizers_run_total, fins);
	/* No cycle runs: nobody marks. */
	EXPECT_EQ(0, workers);
	EXPECT_EQ(0, st.mark_workers);
	EXPECT_LE(st.cycles_paced, st.cycles);
	EXPECT_NE(0, st.heap_goal);
	close(fd);
}

TEST(bad_input_gets_documented_errno)
{
	struct tcmk_ioc_gc_alloc al, al0 = { .nslots = 2, .payload = 8 };
	struct tcmk_ioc_gc_link ln, ln0;
	struct tcmk_ioc_gc_root rt, rt0;
	struct tcmk_ioc_gc_pin pn, pn0;
	struct tcmk_ioc_gc_collect co;
	struct tcmk_ioc_gc_alive av;
	struct tcmk_ioc_gc_stats st, before, after;
	long page = sysconf(_SC_PAGESIZE);
	uint32_t a, b, dead, hs[2], *many;
	uint64_t bitmap[TCMK_GC_MAX_ALIVE / 64 + 1], pins;
	unsigned int i;
	char *ro;
	int fd;

	if (unavailable())
		SKIP(return, "%s", unavailable());
	fd = gc_open(_metadata);
	collect_stats(_metadata, fd, &before);
	ASSERT_EQ(0, gc_alloc(fd, 2, 8, TCMK_GC_PINNED, &a));
	ASSERT_EQ(0, gc_alloc(fd, 0, 24, TCMK_GC_PINNED | TCMK_GC_CONSERVATIVE, &b));
	ASSERT_EQ(0, gc_alloc(fd, 1, 8, 0, &dead));
	ASSERT_EQ(0, gc_collect(fd, &co));
	ASSERT_EQ(0, alive1(fd, dead));

#define BAD(cmd, arg, err) \
	expect_errno(_metadata, fd, (cmd), #cmd, &(arg), (err), __LINE__)
/* @var is @good with @field set to @value: the call fails with @err. */
#define TRY(cmd, var, good, field, value, err) do {			\
		var = (good);							\
		var.field = (value);						\
		EXPECT_EQ(-(err), xioctl(fd, (cmd), &var))			\
			TH_LOG("%s with %s = %llu", #cmd, #field,		\
			       (unsigned long long)(value));			\
	} while (0)

	/* GC_ALLOC */
	TRY(TCMK_IOC_GC_ALLOC, al, al0, pad, 1, EINVAL);
	for (i = 0; i < ARRAY_SIZE(al.reserved); i++)
		TRY(TCMK_IOC_GC_ALLOC, al, al0, reserved[i], 1, EINVAL);
	TRY(TCMK_IOC_GC_ALLOC, al, al0, flags, TCMK_GC_ALLOC_FLAGS + 1, EINVAL);
	TRY(TCMK_IOC_GC_ALLOC, al, al0, flags, 1U << 31, EINVAL);
	TRY(TCMK_IOC_GC_ALLOC, al, al0, nslots, TCMK_GC_MAX_SLOTS + 1, EINVAL);
	TRY(TCMK_IOC_GC_ALLOC, al, al0, nslots, UINT32_MAX, EINVAL);
	al = al0;
	al.nslots = 0;
	al.payload = 0;
	BAD(TCMK_IOC_GC_ALLOC, al, EINVAL);
	TRY(TCMK_IOC_GC_ALLOC, al, al0, payload, TCMK_IOC_MAX_SIZE + 1, EINVAL);
	TRY(TCMK_IOC_GC_ALLOC, al, al0, payload, 1ULL << 63, EINVAL);
	al = al0;
	al.nslots = TCMK_GC_MAX_SLOTS;
	al.payload = TCMK_IOC_MAX_SIZE - TCMK_GC_MAX_SLOTS * 8 + 1;
	BAD(TCMK_IOC_GC_ALLOC, al, EINVAL);

	/* GC_LINK */
	ln0 = (struct tcmk_ioc_gc_link){ .src = a, .slot = 1, .dst = b };
	TRY(TCMK_IOC_GC_LINK, ln, ln0, pad, 1, EINVAL);
	for (i = 0; i < ARRAY_SIZE(ln.reserved); i++)
		TRY(TCMK_IOC_GC_LINK, ln, ln0, reserved[i], 1, EINVAL);
	TRY(TCMK_IOC_GC_LINK, ln, ln0, src, 0, ENOENT);
	TRY(TCMK_IOC_GC_LINK, ln, ln0, src, 1000, ENOENT);
	TRY(TCMK_IOC_GC_LINK, ln, ln0, src, UINT32_MAX, ENOENT);
	TRY(TCMK_IOC_GC_LINK, ln, ln0, dst, 1000, ENOENT);
	TRY(TCMK_IOC_GC_LINK, ln, ln0, slot, 2, EINVAL);
	TRY(TCMK_IOC_GC_LINK, ln, ln0, slot, UINT32_MAX, EINVAL);
	ln0.slot = 0;
	TRY(TCMK_IOC_GC_LINK, ln, ln0, src, b, EINVAL);	/* no slots at all */
	TRY(TCMK_IOC_GC_LINK, ln, ln0, src, dead, ESTALE);
	TRY(TCMK_IOC_GC_LINK, ln, ln0, dst, dead, ESTALE);

	/* GC_ROOT */
	rt0 = (struct tcmk_ioc_gc_root){ .handle = a, .op = TCMK_GC_ROOT_ADD };
	for (i = 0; i < ARRAY_SIZE(rt.reserved); i++)
		TRY(TCMK_IOC_GC_ROOT, rt, rt0, reserved[i], 1, EINVAL);
	TRY(TCMK_IOC_GC_ROOT, rt, rt0, op, 0, EINVAL);
	TRY(TCMK_IOC_GC_ROOT, rt, rt0, op, 3, EINVAL);
	TRY(TCMK_IOC_GC_ROOT, rt, rt0, op, UINT32_MAX, EINVAL);
	TRY(TCMK_IOC_GC_ROOT, rt, rt0, handle, 0, ENOENT);
	TRY(TCMK_IOC_GC_ROOT, rt, rt0, handle, 1000, ENOENT);
	TRY(TCMK_IOC_GC_ROOT, rt, rt0, handle, dead, ESTALE);
	TRY(TCMK_IOC_GC_ROOT, rt, rt0, op, TCMK_GC_ROOT_DEL, EINVAL);	/* not rooted */
	rt0.op = TCMK_GC_ROOT_DEL;
	TRY(TCMK_IOC_GC_ROOT, rt, rt0, handle, dead, ESTALE);
	rt0.op = TCMK_GC_ROOT_ADD;
	rt = rt0;
	EXPECT_EQ(0, xioctl(fd, TCMK_IOC_GC_ROOT, &rt));
	BAD(TCMK_IOC_GC_ROOT, rt, EEXIST);
	rt.op = TCMK_GC_ROOT_DEL;
	EXPECT_EQ(0, xioctl(fd, TCMK_IOC_GC_ROOT, &rt));
	BAD(TCMK_IOC_GC_ROOT, rt, EINVAL);

	/* GC_PIN and GC_UNPIN */
	pn0 = (struct tcmk_ioc_gc_pin){ .handle = b };
	TRY(TCMK_IOC_GC_PIN, pn, pn0, pad, 1, EINVAL);
	TRY(TCMK_IOC_GC_UNPIN, pn, pn0, pad, 1, EINVAL);
	for (i = 0; i < ARRAY_SIZE(pn.reserved); i++) {
		TRY(TCMK_IOC_GC_PIN, pn, pn0, reserved[i], 1, EINVAL);
		TRY(TCMK_IOC_GC_UNPIN, pn, pn0, reserved[i], 1, EINVAL);
	}
	TRY(TCMK_IOC_GC_PIN, pn, pn0, handle, 0, ENOENT);
	TRY(TCMK_IOC_GC_UNPIN, pn, pn0, handle, 0, ENOENT);
	TRY(TCMK_IOC_GC_PIN, pn, pn0, handle, 1000, ENOENT);
	TRY(TCMK_IOC_GC_UNPIN, pn, pn0, handle, 1000, ENOENT);
	TRY(TCMK_IOC_GC_PIN, pn, pn0, handle, dead, ESTALE);
	TRY(TCMK_IOC_GC_UNPIN, pn, pn0, handle, dead, ESTALE);
	/* b holds the one pin GC_ALLOC left; past it, nothing to drop. */
	pn = pn0;
	EXPECT_EQ(0, xioctl(fd, TCMK_IOC_GC_UNPIN, &pn));
	EXPECT_EQ(0, pn.pins);
	BAD(TCMK_IOC_GC_UNPIN, pn, EINVAL);
	/* At most TCMK_GC_MAX_PINS pins per object and file. */
	for (i = 0; i < TCMK_GC_MAX_PINS; i++)
		ASSERT_EQ(0, gc_pin(fd, b, 1, &pins));
	EXPECT_EQ(TCMK_GC_MAX_PINS, pins);
	BAD(TCMK_IOC_GC_PIN, pn, ENOSPC);
	EXPECT_EQ(0, gc_pin(fd, b, 0, &pins));
	EXPECT_EQ(TCMK_GC_MAX_PINS - 1, pins);

	/* GC_COLLECT and GC_STATS */
	for (i = 0; i < ARRAY_SIZE(co.reserved); i++) {
		memset(&co, 0, sizeof(co));
		co.reserved[i] = 1;
		BAD(TCMK_IOC_GC_COLLECT, co, EINVAL);
	}
	for (i = 0; i < ARRAY_SIZE(st.reserved); i++) {
		memset(&st, 0, sizeof(st));
		st.reserved[i] = 1;
		BAD(TCMK_IOC_GC_STATS, st, EINVAL);
	}

	/* GC_ALIVE */
	hs[0] = a;
	hs[1] = dead;
	EXPECT_EQ(0, gc_alive(fd, hs, 2, 0, bitmap, &av));
	EXPECT_EQ(1, av.alive);
	EXPECT_EQ(1, bitmap[0]);
	for (i = 0; i < ARRAY_SIZE(av.reserved); i++) {
		av = alive_arg(hs, 2, 0, bitmap);
		av.reserved[i] = 1;
		BAD(TCMK_IOC_GC_ALIVE, av, EINVAL);
	}
	av = alive_arg(hs, 2, TCMK_GC_ALIVE_FLAGS + 1, bitmap);
	BAD(TCMK_IOC_GC_ALIVE, av, EINVAL);
	av = alive_arg(hs, 0, 0, bitmap);
	BAD(TCMK_IOC_GC_ALIVE, av, EINVAL);
	many = calloc(TCMK_GC_MAX_ALIVE + 1, sizeof(*many));
	ASSERT_NE(NULL, many);
	for (i = 0; i <= TCMK_GC_MAX_ALIVE; i++)
		many[i] = a;
	av = alive_arg(many, TCMK_GC_MAX_ALIVE + 1, 0, bitmap);
	BAD(TCMK_IOC_GC_ALIVE, av, EINVAL);
	av = alive_arg(many, UINT32_MAX, 0, bitmap);
	BAD(TCMK_IOC_GC_ALIVE, av, EINVAL);
	/* The most handles at once, all the same live one. */
	EXPECT_EQ(0, gc_alive(fd, many, TCMK_GC_MAX_ALIVE, 0, bitmap, &av));
	EXPECT_EQ(TCMK_GC_MAX_ALIVE, av.alive);
	many[TCMK_GC_MAX_ALIVE / 2] = 1000;
	EXPECT_EQ(-ENOENT, gc_alive(fd, many, TCMK_GC_MAX_ALIVE, 0, bitmap, &av));
	many[0] = 0;
	EXPECT_EQ(-ENOENT, gc_alive(fd, many, 1, 0, bitmap, &av));
	free(many);
	EXPECT_EQ(-EFAULT, gc_alive(fd, NULL, 2, 0, bitmap, &av));
	EXPECT_EQ(-EFAULT, gc_alive(fd, hs, 2, 0, NULL, &av));

	/* Bad pointers, and results that cannot be written back. */
	for (i = 0; i < ARRAY_SIZE(gc_cmds); i++) {
		EXPECT_EQ(-EFAULT, xioctl(fd, gc_cmds[i], NULL));
		EXPECT_EQ(-EFAULT, xioctl(fd, gc_cmds[i], (void *)16));
	}
	ro = mmap(NULL, page, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	*(struct tcmk_ioc_gc_alloc *)ro = al0;
	((struct tcmk_ioc_gc_pin *)(ro + 512))->handle = a;
	*(struct tcmk_ioc_gc_alive *)(ro + 1024) = (struct tcmk_ioc_gc_alive){
		.handles = (uintptr_t)hs, .bitmap = (uintptr_t)(ro + 2048), .count = 2,
	};
	ASSERT_EQ(0, mprotect(ro, page, PROT_READ));
	EXPECT_EQ(-EFAULT, xioctl(fd, TCMK_IOC_GC_ALLOC, ro));
	EXPECT_EQ(-EFAULT, xioctl(fd, TCMK_IOC_GC_PIN, ro + 512));
	EXPECT_EQ(-EFAULT, xioctl(fd, TCMK_IOC_GC_UNPIN, ro + 512));
	EXPECT_EQ(-EFAULT, xioctl(fd, TCMK_IOC_GC_ALIVE, ro + 1024));
	EXPECT_EQ(-EFAULT, xioctl(fd, TCMK_IOC_GC_COLLECT, ro + 1536));
	EXPECT_EQ(-EFAULT, xioctl(fd, TCMK_IOC_GC_STATS, ro + 2048));
	munmap(ro, page);
	/* The failed PIN and UNPIN changed nothing: a holds its one pin. */
	EXPECT_EQ(0, gc_pin(fd, a, 0, &pins));
	EXPECT_EQ(0, pins);
	EXPECT_EQ(-EINVAL, gc_pin(fd, a, 0, &pins));

	/* An unknown command number next to them. */
	EXPECT_EQ(-ENOTTY, xioctl(fd, _IOWR(TCMK_IOC_MAGIC, 16, struct tcmk_ioc_gc_stats), &st));
	EXPECT_EQ(-ENOTTY, xioctl(fd, _IOWR(TCMK_IOC_MAGIC, 8, struct tcmk_ioc_gc_link), &ln));
#undef TRY
#undef BAD

	/* Nothing the refused calls did outlives the file. */
	close(fd);
	fd = gc_open(_metadata);
	collect_stats(_metadata, fd, &after);
	EXPECT_GC_SETTLED(before, after);
	close(fd);
}

/* The GC commands need the device, which only root with CAP_SYS_ADMIN opens. */
TEST(unprivileged_cannot_reach_the_collector)
{
	int err;

	if (unavailable())
		SKIP(return, "%s", unavailable());
	err = open_as(NOBODY, 0);
	EXPECT_TRUE(err == EACCES || err == EPERM) TH_LOG("uid %d: %d", NOBODY, err);
	EXPECT_EQ(EPERM, open_as(0, 1));
}

/* A closed file leaves no root, pin, weak reference or object behind. */
TEST(close_leaves_nothing)
{
	struct tcmk_ioc_gc_stats before, held, after;
	uint32_t h[64];
	int fd, i;

	if (unavailable())
		SKIP(return, "%s", unavailable());
	fd = gc_open(_metadata);
	collect_stats(_metadata, fd, &before);
	/* Pinned while the graph is built, so that each link finds its ends. */
	for (i = 0; i < 64; i++) {
		ASSERT_EQ(0, gc_alloc(fd, i % 9, i == 7 ? 40000 : 8 * i + 8,
				      TCMK_GC_PINNED | (i % 2 ? TCMK_GC_CONSERVATIVE : 0),
				      &h[i]));
		if (i % 9)
			ASSERT_EQ(0, gc_link(fd, h[i], 0, h[i / 2]));
		if (i % 5 == 0)
			ASSERT_EQ(0, gc_root(fd, h[i], TCMK_GC_ROOT_ADD));
	}
	for (i = 0; i < 64; i++)
		if (i % 7)
			ASSERT_EQ(0, gc_pin(fd, h[i], 0, NULL));
	collect_stats(_metadata, fd, &held);
	EXPECT_LT(before.heap_objects, held.heap_objects);
	EXPECT_EQ(before.roots + 13, held.roots);
	EXPECT_EQ(before.pinned + 10, held.pinned);
	EXPECT_EQ(before.weak_refs + 64, held.weak_refs);
	close(fd);
	fd = gc_open(_metadata);
	collect_stats(_metadata, fd, &after);
	EXPECT_GC_SETTLED(before, after);
	close(fd);
}

/*
 * The records of a closed file's objects, and their weak references, go
 * with the collection that frees the objects, whoever starts it: here two
 * writes to sysfs gc/collect, with no GC_COLLECT in between.
 */
TEST(closed_file_records_go_with_any_collection)
{
	unsigned long long refs0, objs0, refs, objs;
	struct tcmk_ioc_gc_stats st;
	uint32_t h[32];
	int fd, i;

	if (unavailable())
		SKIP(return, "%s", unavailable());
	/* What earlier tests' files left goes first. */
	fd = gc_open(_metadata);
	collect_stats(_metadata, fd, &st);
	close(fd);
	ASSERT_EQ(0, read_sysfs(GC_DIR "/weak_refs", &refs0));
	ASSERT_EQ(0, read_sysfs(GC_DIR "/heap_objects", &objs0));

	/* A rooted chain, alive when the file closes. */
	fd = gc_open(_metadata);
	for (i = 0; i < 32; i++) {
		ASSERT_EQ(0, gc_alloc(fd, 1, 24, TCMK_GC_PINNED, &h[i]));
		if (i)
			ASSERT_EQ(0, gc_link(fd, h[i], 0, h[i - 1]));
	}
	ASSERT_EQ(0, gc_root(fd, h[31], TCMK_GC_ROOT_ADD));
	close(fd);
	ASSERT_EQ(0, read_sysfs(GC_DIR "/weak_refs", &refs));
	ASSERT_EQ(0, read_sysfs(GC_DIR "/heap_objects", &objs));
	EXPECT_EQ(refs0 + 32, refs);
	EXPECT_EQ(objs0 + 32, objs);

	ASSERT_EQ(0, write_sysfs(GC_DIR "/collect", "1"));
	ASSERT_EQ(0, write_sysfs(GC_DIR "/collect", "1"));
	ASSERT_EQ(0, read_sysfs(GC_DIR "/weak_refs", &refs));
	ASSERT_EQ(0, read_sysfs(GC_DIR "/heap_objects", &objs));
	EXPECT_EQ(refs0, refs) TH_LOG("%llu weak references of closed files' records left",
				      refs - refs0);
	EXPECT_EQ(objs0, objs);
}

/* Nor does a process killed while it holds roots and pins. */
TEST(killed_process_leaves_nothing)
{
	struct tcmk_ioc_gc_stats before, after;
	int fd, status, ready[2];
	pid_t pid;
	char c;

	if (unavailable())
		SKIP(return, "%s", unavailable());
	fd = gc_open(_metadata);
	collect_stats(_metadata, fd, &before);
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int own = open(TCMK_DEVICE, O_RDWR);
		uint32_t h, prev = 0;
		int i;

		for (i = 0; own >= 0 && i < 200; i++) {
			if (gc_alloc(own, 2, 100, TCMK_GC_PINNED, &h) ||
			    (prev && gc_link(own, h, 0, prev)) ||
			    (i % 10 == 0 && gc_root(own, h, TCMK_GC_ROOT_ADD)))
				_exit(1);
			prev = h;
		}
		if (own < 0 || write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(1);
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	collect_stats(_metadata, fd, &after);
	EXPECT_GC_SETTLED(before, after);
	close(fd);
}

TEST_HARNESS_MAIN

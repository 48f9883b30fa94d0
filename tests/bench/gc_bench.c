// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk_bench, suite "gc": the collector's figures, in real time.
 *
 *   gc_mark	mark throughput: a binary tree of 2^20 - 1 live nodes,
 *		collected three times with nothing else running.
 *   gc_pause	pauses with that tree live while a thread on another CPU
 *		rewires it through tcmk_gc_write(), in read sections (a
 *		pause is how long a cycle holds the lock mutators shade
 *		under: twice per cycle, to turn marking on and off).
 *   gc_sections	the longest section a cycle holds a spinlock or keeps
 *		interrupts off (gc/section_max_ns), with that tree live and
 *		a weak reference to each of its nodes, while a thread on
 *		another CPU reads the references (tcmk_gc_weak_get() spins
 *		on the lock the cycle clears them under): with the longest
 *		such read. Then a control: as many sections of fixed work,
 *		no collector involved, timed the same way, with the reader
 *		still at work ("gc_sections_control").
 *   gc_trees	binary-tree churn, after the classic benchmark: trees of
 *		depth 4, 6, ... 14 built and dropped around a long-lived tree
 *		of depth 14, collected by the pacer (GOGC 100), against the
 *		same trees from tcmk_alloc() freed by hand; with the heap's
 *		peak against the pacer's goal.
 *
 * Under icount (from the "icount" suite), with the pacer off, the pieces of
 * a collected object's life in instructions: tcmk_gc_alloc(), a pointer
 * store through tcmk_gc_write() with the barrier off, tcmk_gc_unpin(), and
 * a cycle's cost per object found dead and per object marked, beside
 * tcmk_alloc() and tcmk_free() of the same size.
 *
 * Each prints "BENCH scenario=..." lines for tests/bench.sh.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/minmax.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/tcmk.h>
#include <linux/timekeeping.h>

#include "tcmk_bench.h"

struct tnode {
	struct tnode *left;
	struct tnode *right;
};

static const u16 tnode_offsets[] = {
	offsetof(struct tnode, left), offsetof(struct tnode, right),
};

static const struct tcmk_gc_type tnode_type = {
	.name = "bench_tnode",
	.size = sizeof(struct tnode),
	.ptr_offsets = tnode_offsets,
	.nr_ptrs = ARRAY_SIZE(tnode_offsets),
};

/* Heap samples: every GC_SAMPLE allocations, heap_bytes against the goal. */
#define GC_SAMPLE	1024

struct churn {
	unsigned long allocs;
	u64 heap_peak;
	u64 goal_at_peak;
	bool failed;
};

static void sample(struct churn *c)
{
	struct tcmk_gc_stats st;

	if (++c->allocs % GC_SAMPLE)
		return;
	tcmk_gc_get_stats(&st);
	/* The peak that matters is the one furthest above its goal. */
	if (!c->heap_peak ||
	    st.heap_bytes * c->goal_at_peak > c->heap_peak * st.heap_goal) {
		c->heap_peak = st.heap_bytes;
		c->goal_at_peak = st.heap_goal;
	}
}

/* A collected tree of @depth below a new node, returned pinned. */
static struct tnode *gc_tree(struct churn *c, int depth)
{
	struct tnode *n = tcmk_gc_alloc(sizeof(*n), &tnode_type, GFP_KERNEL);
	struct tnode *kid;

	if (!n) {
		c->failed = true;
		return NULL;
	}
	sample(c);
	if (depth > 0) {
		kid = gc_tree(c, depth - 1);
		if (kid) {
			tcmk_gc_write((void **)&n->left, kid);
			tcmk_gc_unpin(kid);
		}
		kid = gc_tree(c, depth - 1);
		if (kid) {
			tcmk_gc_write((void **)&n->right, kid);
			tcmk_gc_unpin(kid);
		}
	}
	return n;
}

static struct tnode *manual_tree(struct churn *c, int depth)
{
	struct tnode *n = tcmk_alloc(sizeof(*n), GFP_KERNEL);

	if (!n) {
		c->failed = true;
		return NULL;
	}
	n->left = depth > 0 ? manual_tree(c, depth - 1) : NULL;
	n->right = depth > 0 ? manual_tree(c, depth - 1) : NULL;
	return n;
}

static void manual_free(struct tnode *n)
{
	if (!n)
		return;
	manual_free(n->left);
	manual_free(n->right);
	tcmk_free(n);
}

#define TREE_MIN	4
#define TREE_MAX	14

static int bench_gc_trees(bool gc, int rep)
{
	static void *root, *scratch;
	struct tcmk_gc_stats before, after;
	struct tnode *longlived, *t;
	struct churn c = { };
	int depth, i, iters;
	u64 t0, ns;

	if (gc) {
		if (tcmk_gc_root_add(&root) || tcmk_gc_root_add(&scratch))
			return -ENOMEM;
		tcmk_gc_collect();
	}
	tcmk_gc_get_stats(&before);
	t0 = ktime_get_ns();
	if (gc) {
		longlived = gc_tree(&c, TREE_MAX);
		tcmk_gc_write(&root, longlived);
		if (longlived)
			tcmk_gc_unpin(longlived);
	} else {
		longlived = manual_tree(&c, TREE_MAX);
	}
	for (depth = TREE_MIN; depth <= TREE_MAX && !c.failed; depth += 2) {
		iters = 1 << (TREE_MAX - depth + TREE_MIN);
		for (i = 0; i < iters && !c.failed; i++) {
			if (gc) {
				t = gc_tree(&c, depth);
				/* Published, then dropped: garbage for the pacer. */
				tcmk_gc_write(&scratch, t);
				if (t)
					tcmk_gc_unpin(t);
				tcmk_gc_write(&scratch, NULL);
			} else {
				manual_free(manual_tree(&c, depth));
			}
		}
		cond_resched();
	}
	if (gc)
		tcmk_gc_write(&root, NULL);
	else
		manual_free(longlived);
	ns = ktime_get_ns() - t0;
	tcmk_gc_get_stats(&after);
	pr_info("BENCH scenario=gc_trees mode=%s rep=%d ns=%llu cycles=%llu heap_peak=%llu goal_at_peak=%llu failed=%d\n",
		gc ? "gc" : "manual", rep, ns, after.cycles - before.cycles,
		c.heap_peak, c.goal_at_peak, c.failed);
	if (gc) {
		tcmk_gc_collect();
		tcmk_gc_root_del(&root);
		tcmk_gc_root_del(&scratch);
		tcmk_gc_collect();
	}
	return c.failed ? -ENOMEM : 0;
}

struct mutator {
	struct tnode *top;
	unsigned long writes;
	bool stop;
	struct completion done;
};

/* Swap the children of random nodes of the live tree, through the barrier. */
static int mutate(void *data)
{
	struct mutator *m = data;
	struct rnd_state rnd;

	prandom_seed_state(&rnd, 7);
	while (!READ_ONCE(m->stop)) {
		struct tnode *n = m->top, *l, *r;
		int steps = prandom_u32_state(&rnd) % 19;
		int rs = tcmk_gc_read_lock();

		while (steps-- && n->left)
			n = prandom_u32_state(&rnd) & 1 ? n->left : n->right;
		l = n->left;
		r = n->right;
		tcmk_gc_write((void **)&n->left, r);
		tcmk_gc_write((void **)&n->right, l);
		tcmk_gc_read_unlock(rs);
		m->writes += 2;
		if (!(m->writes % 256))
			cond_resched();
	}
	complete(&m->done);
	return 0;
}

#define LIVE_DEPTH	19	/* 2^20 - 1 nodes */

static int bench_gc_live(void)
{
	static void *root;
	struct tcmk_gc_stats st, before;
	struct mutator m = { };
	struct task_struct *task;
	struct churn c = { };
	struct tnode *top;
	int i, pct;

	if (tcmk_gc_root_add(&root))
		return -ENOMEM;
	/* Only the cycles asked for here. */
	pct = tcmk_gc_set_percent(-1);
	top = gc_tree(&c, LIVE_DEPTH);
	if (top) {
		tcmk_gc_write(&root, top);
		tcmk_gc_unpin(top);
	}
	if (c.failed)
		goto out;
	for (i = 0; i < 3; i++) {
		tcmk_gc_collect();
		tcmk_gc_get_stats(&st);
		pr_info("BENCH scenario=gc_mark rep=%d objects=%lu bytes=%llu mark_ns=%llu cycle_ns=%llu\n",
			i, c.allocs, st.marked_bytes_last, st.last_mark_ns,
			st.last_cycle_ns);
	}

	m.top = top;
	init_completion(&m.done);
	task = kthread_create(mutate, &m, "tcmk_bench_mut");
	if (IS_ERR(task))
		goto out;
	kthread_bind(task, 1 % num_online_cpus());
	wake_up_process(task);
	tcmk_gc_get_stats(&before);
	for (i = 0; i < 10; i++)
		tcmk_gc_collect();
	WRITE_ONCE(m.stop, true);
	wait_for_completion(&m.done);
	tcmk_gc_get_stats(&st);
	pr_info("BENCH scenario=gc_pause live=%lu cycles=%llu writes=%lu pause_max_ns=%llu lt10us=%llu lt100us=%llu lt1ms=%llu ge1ms=%llu\n",
		c.allocs, st.cycles - before.cycles, m.writes, st.pause_max_ns,
		st.pauses[0] - before.pauses[0], st.pauses[1] - before.pauses[1],
		st.pauses[2] - before.pauses[2], st.pauses[3] - before.pauses[3]);
out:
	tcmk_gc_write(&root, NULL);
	tcmk_gc_root_del(&root);
	tcmk_gc_collect();
	tcmk_gc_set_percent(pct);
	return c.failed ? -ENOMEM : 0;
}

#define SECTION_REPS	3

/*
 * The control beside gc_sections: sections of fixed work that involve no
 * collector, timed as the collector times its own, so that the report can
 * tell how long the machine makes a section of known length look. Under
 * emulation in real time the host's scheduling and the emulator's own work
 * (translating code, flushing its cache) stop a vCPU for milliseconds at a
 * time; under icount the guest's clock counts instructions, so there the
 * control's figure is its length in instructions. As many as clearing the
 * weak references alone takes per cycle (2^20 / 64 batches), each of
 * CONTROL_SPINS turns of a loop, longer than any section of a cycle.
 */
#define CONTROL_SECTIONS	(1U << (LIVE_DEPTH + 1 - 6))
#define CONTROL_SPINS		1500

struct weak_reader {
	struct tcmk_gc_weak **refs;
	unsigned long n;
	unsigned long gets;
	unsigned int rep;
	/* One per cycle, and the last while the control runs. */
	u64 get_max_ns[SECTION_REPS + 1];
	bool stop;
	struct completion done;
};

/* Read random weak references, timing each tcmk_gc_weak_get(). */
static int read_weak(void *data)
{
	struct weak_reader *r = data;
	struct rnd_state rnd;

	prandom_seed_state(&rnd, 11);
	while (!READ_ONCE(r->stop)) {
		struct tcmk_gc_weak *ref = r->refs[prandom_u32_state(&rnd) % r->n];
		unsigned int rep = READ_ONCE(r->rep);
		u64 t0 = ktime_get_ns();
		void *obj = tcmk_gc_weak_get(ref);

		t0 = ktime_get_ns() - t0;
		if (t0 > r->get_max_ns[rep])
			WRITE_ONCE(r->get_max_ns[rep], t0);
		if (obj)
			tcmk_gc_unpin(obj);
		if (!(++r->gets % 256))
			cond_resched();
	}
	complete(&r->done);
	return 0;
}

/* A weak reference to every node of @n's tree, into @refs from @i on. */
static unsigned long weak_tree(struct tnode *n, struct tcmk_gc_weak **refs,
			       unsigned long i)
{
	if (!n)
		return i;
	refs[i] = tcmk_gc_weak_new(n, GFP_KERNEL);
	if (!refs[i])
		return i;
	i = weak_tree(n->left, refs, i + 1);
	return weak_tree(n->right, refs, i);
}

/*
 * CONTROL_SECTIONS sections of fixed work, each with interrupts off and a
 * lock held, as the collector's are: the longest in ns into @max_ns, and how
 * many took over 100 us into @over.
 */
static unsigned long control_sink;

static void control_sections(u64 *max_ns, unsigned int *over)
{
	static DEFINE_SPINLOCK(lock);
	unsigned long flags, acc = 0;
	unsigned int i, j;
	u64 t0;

	*max_ns = 0;
	*over = 0;
	for (i = 0; i < CONTROL_SECTIONS; i++) {
		spin_lock_irqsave(&lock, flags);
		t0 = ktime_get_ns();
		for (j = 0; j < CONTROL_SPINS; j++) {
			acc = acc * 31 + j;
			/* One turn of the loop each: no unrolling, no closed form. */
			OPTIMIZER_HIDE_VAR(acc);
		}
		t0 = ktime_get_ns() - t0;
		spin_unlock_irqrestore(&lock, flags);
		*max_ns = max(*max_ns, t0);
		*over += t0 > 100 * NSEC_PER_USEC;
		if (!(i % 256))
			cond_resched();
	}
	/* The work's result is kept, so that it is done. */
	WRITE_ONCE(control_sink, acc);
}

int bench_gc_sections(void)
{
	unsigned int control_over;
	u64 control_max_ns;
	static void *root;
	struct weak_reader r = { };
	struct tcmk_gc_stats st;
	struct task_struct *task;
	struct churn c = { };
	struct tnode *top;
	unsigned long i;
	int rep, pct, err = -ENOMEM;

	r.refs = kvcalloc(1UL << (LIVE_DEPTH + 1), sizeof(*r.refs), GFP_KERNEL);
	if (!r.refs || tcmk_gc_root_add(&root)) {
		kvfree(r.refs);
		return -ENOMEM;
	}
	pct = tcmk_gc_set_percent(-1);
	top = gc_tree(&c, LIVE_DEPTH);
	if (top) {
		tcmk_gc_write(&root, top);
		tcmk_gc_unpin(top);
	}
	if (c.failed)
		goto out;
	r.n = weak_tree(top, r.refs, 0);
	if (r.n != c.allocs)
		goto out;

	init_completion(&r.done);
	task = kthread_create(read_weak, &r, "tcmk_bench_weak");
	if (IS_ERR(task))
		goto out;
	kthread_bind(task, 1 % num_online_cpus());
	wake_up_process(task);
	for (rep = 0; rep < SECTION_REPS; rep++) {
		WRITE_ONCE(r.rep, rep);
		tcmk_gc_collect();
		tcmk_gc_get_stats(&st);
		pr_info("BENCH scenario=gc_sections rep=%d live=%lu weak=%lu section_max_ns=%llu cycle_ns=%llu pause_max_ns=%llu weak_get_max_ns=%llu\n",
			rep, c.allocs, r.n, st.last_section_max_ns,
			st.last_cycle_ns, st.pause_max_ns,
			READ_ONCE(r.get_max_ns[rep]));
	}
	/* The control, with the reader still at work on the other CPU. */
	WRITE_ONCE(r.rep, rep);
	control_sections(&control_max_ns, &control_over);
	pr_info("BENCH scenario=gc_sections_control sections=%u spins=%u section_max_ns=%llu over_100us=%u weak_get_max_ns=%llu\n",
		CONTROL_SECTIONS, CONTROL_SPINS, control_max_ns, control_over,
		READ_ONCE(r.get_max_ns[rep]));
	WRITE_ONCE(r.stop, true);
	wait_for_completion(&r.done);
	err = 0;
out:
	for (i = 0; i < r.n; i++)
		tcmk_gc_weak_free(r.refs[i]);
	kvfree(r.refs);
	tcmk_gc_write(&root, NULL);
	tcmk_gc_root_del(&root);
	tcmk_gc_collect();
	tcmk_gc_set_percent(pct);
	return err;
}

/* The churn alone: "gc_trees" in the run file, for quicker comparisons. */
int bench_gc_churn(void)
{
	int rep, err = 0;

	/* Interleaved, so that the host's noise falls on both alike. */
	for (rep = 0; rep < 3 && !err; rep++) {
		err = bench_gc_trees(true, rep);
		if (!err)
			err = bench_gc_trees(false, rep);
	}
	return err;
}

#define GC_PARTS_N	20000

/* One timed loop over the GC_PARTS_N nodes of @p. */
#define GC_PART(name, stmt) do {					\
	u64 t0 = ktime_get_ns();					\
									\
	for (i = 0; i < GC_PARTS_N; i++)				\
		stmt;							\
	print_per_op(name, "tcmk", sizeof(struct tnode), GC_PARTS_N,	\
		     ktime_get_ns() - t0);				\
} while (0)

int bench_gc_icount(void)
{
	static void *root;
	struct tnode **p;
	int pct, err = 0;
	unsigned int i;
	u64 t0;

	p = kvmalloc_array(GC_PARTS_N, sizeof(*p), GFP_KERNEL);
	if (!p || tcmk_gc_root_add(&root)) {
		kvfree(p);
		return -ENOMEM;
	}
	pct = tcmk_gc_set_percent(-1);
	tcmk_gc_collect();

	/* Twice: the first round takes the spans from the page heap. */
	for (i = 0; i < GC_PARTS_N; i++) {
		p[0] = tcmk_gc_alloc(sizeof(**p), &tnode_type, GFP_KERNEL);
		if (p[0])
			tcmk_gc_unpin(p[0]);
	}
	tcmk_gc_collect();
	GC_PART("gcpart_alloc",
		p[i] = tcmk_gc_alloc(sizeof(**p), &tnode_type, GFP_KERNEL));
	for (i = 0; i < GC_PARTS_N; i++)
		if (!p[i])
			err = -ENOMEM;
	if (err) {
		for (i = 0; i < GC_PARTS_N; i++)
			if (p[i])
				tcmk_gc_unpin(p[i]);
		goto out;
	}
	GC_PART("gcpart_write",
		tcmk_gc_write((void **)&p[i]->left, p[i ? i - 1 : 0]));
	GC_PART("gcpart_unpin", tcmk_gc_unpin(p[i]));
	/* A list: the last node reaches every other. */
	tcmk_gc_write(&root, p[GC_PARTS_N - 1]);
	t0 = ktime_get_ns();
	tcmk_gc_collect();
	print_per_op("gcpart_cycle_live", "tcmk", sizeof(**p), GC_PARTS_N,
		     ktime_get_ns() - t0);
	tcmk_gc_write(&root, NULL);
	t0 = ktime_get_ns();
	tcmk_gc_collect();
	print_per_op("gcpart_cycle_dead", "tcmk", sizeof(**p), GC_PARTS_N,
		     ktime_get_ns() - t0);

	GC_PART("gcpart_manual_alloc",
		p[i] = tcmk_alloc(sizeof(**p), GFP_KERNEL));
	GC_PART("gcpart_manual_free", tcmk_free(p[i]));
out:
	tcmk_gc_set_percent(pct);
	tcmk_gc_root_del(&root);
	kvfree(p);
	return err;
}

int bench_gc(void)
{
	int err;

	err = bench_gc_live();
	if (!err)
		err = bench_gc_sections();
	return err ? err : bench_gc_churn();
}

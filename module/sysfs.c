// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk sysfs interface: /sys/kernel/tcmk/.
 *
 * One value per file (objects_cached_cpu adds a per-CPU breakdown, as SLUB's
 * statistics do). Statistics are world-readable, knobs and actions root's
 * only. Documentation/ABI/testing/sysfs-kernel-tcmk describes every file.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/tcmk.h>

#include "debug.h"
#include "gc.h"
#include "tcmk.h"

static struct kobject *tcmk_kobj;
static struct kobject *tcmk_classes_kobj;
/* caches/: a directory per named cache, made and removed by cache.c. */
static struct kobject *tcmk_caches_kobj;

/* A directory per size class; @cls says which class its files describe. */
struct tcmk_class_kobj {
	struct kobject kobj;
	unsigned int cls;
};

static struct tcmk_class_kobj *tcmk_class_kobjs[TCMK_NR_CLASSES];

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", TCMK_VERSION);
}

static struct kobj_attribute version_attr = __ATTR_RO(version);

/*
 * A read-only file, @file, whose attribute is @var##_attr: it shows @value,
 * an expression that may use the show method's @kobj, in format @fmt. The
 * expansion declares the method, defines the attribute, then the method: it
 * ends with the method's closing brace, so that the lines of a list of
 * stats_list.h need nothing between them.
 */
#define TCMK_RO_FILE(var, file, fmt, value)				\
static ssize_t var##_show(struct kobject *kobj,				\
			  struct kobj_attribute *attr, char *buf);	\
static struct kobj_attribute var##_attr =				\
	__ATTR(file, 0444, var##_show, NULL);				\
static ssize_t var##_show(struct kobject *kobj,				\
			  struct kobj_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, fmt, value);				\
}

/* The counters now: a value, for TCMK_RO_FILE()'s expressions. */
static struct tcmk_stats stats_now(void)
{
	struct tcmk_stats st;

	tcmk_get_stats(&st);
	return st;
}

/* A file per counter of stats_list.h. */
#define TCMK_STAT(name)	TCMK_RO_FILE(name, name, "%llu\n", stats_now().name)
#include "stats_list.h"

/* Knobs: the budget of each CPU's cache, and the page heap's free reserve. */
static ssize_t cpu_cache_bytes_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(tcmk_cpu_cache_bytes));
}

/* A knob's value: an unsigned integer up to @max, or -EINVAL (-ERANGE). */
static int uint_arg(const char *buf, unsigned int max, unsigned int *val)
{
	int err = kstrtouint(buf, 0, val);

	if (err)
		return err;
	return *val > max ? -EINVAL : 0;
}

/* A write of @count bytes to a knob of any unsigned long: @count or an error. */
static ssize_t ulong_store(const char *buf, size_t count, unsigned long *knob)
{
	unsigned long val;
	int err = kstrtoul(buf, 0, &val);

	if (err)
		return err;
	WRITE_ONCE(*knob, val);
	return count;
}

static ssize_t cpu_cache_bytes_store(struct kobject *kobj,
				     struct kobj_attribute *attr,
				     const char *buf, size_t count)
{
	unsigned int val, old;
	int err = uint_arg(buf, TCMK_CPU_CACHE_BYTES_MAX, &val);

	if (err)
		return err;
	old = xchg(&tcmk_cpu_cache_bytes, val);
	/*
	 * A CPU deals out the budget its last drain saw: a drain of every
	 * CPU puts the new one in force (and sends back what a smaller one
	 * no longer has room for).
	 */
	if (val != old)
		tcmk_drain();
	return count;
}

static struct kobj_attribute cpu_cache_bytes_attr = __ATTR_RW_MODE(cpu_cache_bytes, 0600);

static ssize_t release_threshold_show(struct kobject *kobj,
				      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", READ_ONCE(tcmk_release_threshold));
}

static ssize_t release_threshold_store(struct kobject *kobj,
				       struct kobj_attribute *attr,
				       const char *buf, size_t count)
{
	return ulong_store(buf, count, &tcmk_release_threshold);
}

static struct kobj_attribute release_threshold_attr = __ATTR_RW_MODE(release_threshold, 0600);

static ssize_t release_delay_ms_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(tcmk_release_delay_ms));
}

/* Up to a minute: a free chunk is memory the rest of the kernel goes without. */
static ssize_t release_delay_ms_store(struct kobject *kobj,
				      struct kobj_attribute *attr,
				      const char *buf, size_t count)
{
	unsigned int val;
	int err = uint_arg(buf, 60000, &val);

	if (err)
		return err;
	WRITE_ONCE(tcmk_release_delay_ms, val);
	return count;
}

static struct kobj_attribute release_delay_ms_attr = __ATTR_RW_MODE(release_delay_ms, 0600);

/* The heap profile's mean distance between samples (sample.c). */
static ssize_t sample_bytes_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", tcmk_sample_rate());
}

static ssize_t sample_bytes_store(struct kobject *kobj,
				  struct kobj_attribute *attr,
				  const char *buf, size_t count)
{
	unsigned long val;
	int err = kstrtoul(buf, 0, &val);

	if (!err)
		err = tcmk_sample_set_rate(val);
	return err ?: count;
}

static struct kobj_attribute sample_bytes_attr = __ATTR_RW_MODE(sample_bytes, 0600);

/**
 * tcmk_sysfs_action_arg() - what an action's file was written.
 * @buf:	the write.
 *
 * Return: 0 for 1, the only value an action takes; else -EINVAL (-ERANGE
 * past an unsigned int).
 */
int tcmk_sysfs_action_arg(const char *buf)
{
	unsigned int val;
	int err = uint_arg(buf, 1, &val);

	if (err)
		return err;
	return val == 1 ? 0 : -EINVAL;
}

/* Actions: writing 1 does @action; anything else is refused. */
static ssize_t action_store(const char *buf, size_t count, void (*action)(void))
{
	int err = tcmk_sysfs_action_arg(buf);

	if (err)
		return err;
	action();
	return count;
}

static ssize_t drain_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	return action_store(buf, count, tcmk_drain);
}

static struct kobj_attribute drain_attr = __ATTR_WO(drain);

/* The action has no use for the count: bytes_released_total has it. */
static void release_all(void)
{
	tcmk_release();
}

static ssize_t release_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	return action_store(buf, count, release_all);
}

static struct kobj_attribute release_attr = __ATTR_WO(release);

static ssize_t reset_stats_store(struct kobject *kobj,
				 struct kobj_attribute *attr,
				 const char *buf, size_t count)
{
	return action_store(buf, count, tcmk_stats_reset);
}

static struct kobj_attribute reset_stats_attr = __ATTR_WO(reset_stats);

/* debug: the letters of debug mode in force; empty when it is off. */
static ssize_t debug_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	char letters[TCMK_DEBUG_NR_LETTERS + 1];

	tcmk_debug_letters(letters);
	return sysfs_emit(buf, "%s\n", letters);
}

static struct kobj_attribute debug_attr = __ATTR_RO(debug);

static ssize_t validate_store(struct kobject *kobj, struct kobj_attribute *attr,
			      const char *buf, size_t count)
{
	return action_store(buf, count, tcmk_debug_validate);
}

static struct kobj_attribute validate_attr = __ATTR_WO(validate);

static struct attribute *tcmk_top_attrs[] = {
	&version_attr.attr,
#define TCMK_STAT(name)	(&name##_attr.attr),
#include "stats_list.h"
	&cpu_cache_bytes_attr.attr,
	&release_threshold_attr.attr,
	&release_delay_ms_attr.attr,
	&sample_bytes_attr.attr,
	&drain_attr.attr,
	&release_attr.attr,
	&reset_stats_attr.attr,
	&debug_attr.attr,
	&validate_attr.attr,
	NULL,
};

static const struct attribute_group tcmk_top_group = {
	.attrs = tcmk_top_attrs,
};

/* The collector's values now: a value, as stats_now(). */
static struct tcmk_gc_stats gc_stats_now(void)
{
	struct tcmk_gc_stats st;

	tcmk_gc_get_stats(&st);
	return st;
}

/* gc/: the collector. A read-only file per value, made as the counters'. */
#define TCMK_GC_STAT_ATTR(name)						\
	TCMK_RO_FILE(gc_##name, name, "%llu\n", gc_stats_now().name)
#define TCMK_GC_STAT	TCMK_GC_STAT_ATTR
#include "stats_list.h"
/* Not in stats_list.h: the harness does not report it. */
TCMK_GC_STAT_ATTR(section_max_ns)

static ssize_t gc_pauses_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	struct tcmk_gc_stats st;

	tcmk_gc_get_stats(&st);
	return sysfs_emit(buf, "%llu %llu %llu %llu\n", st.pauses[0],
			  st.pauses[1], st.pauses[2], st.pauses[3]);
}

static struct kobj_attribute gc_pauses_attr = __ATTR(pauses, 0444, gc_pauses_show, NULL);

static ssize_t gc_phase_show(struct kobject *kobj,
			     struct kobj_attribute *attr, char *buf)
{
	static const char * const names[] = {
		[TCMK_GC_IDLE] = "idle",
		[TCMK_GC_MARK] = "mark",
		[TCMK_GC_SWEEP] = "sweep",
	};

	return sysfs_emit(buf, "%s\n", names[READ_ONCE(tcmk_gc_phase)]);
}

static struct kobj_attribute gc_phase_attr = __ATTR(phase, 0444, gc_phase_show, NULL);

static ssize_t gc_percent_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(tcmk_gc_percent));
}

static ssize_t gc_percent_store(struct kobject *kobj,
				struct kobj_attribute *attr,
				const char *buf, size_t count)
{
	int val, err = kstrtoint(buf, 0, &val);

	if (err)
		return err;
	/* The previous percent, -1 or more, or -EINVAL. */
	err = tcmk_gc_set_percent(val);
	return err == -EINVAL ? err : count;
}

static struct kobj_attribute gc_percent_attr =
	__ATTR(percent, 0644, gc_percent_show, gc_percent_store);

static ssize_t gc_limit_bytes_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", READ_ONCE(tcmk_gc_limit_bytes));
}

static ssize_t gc_limit_bytes_store(struct kobject *kobj,
				    struct kobj_attribute *attr,
				    const char *buf, size_t count)
{
	ssize_t ret = ulong_store(buf, count, &tcmk_gc_limit_bytes);

	if (ret >= 0)
		tcmk_gc_update_goal();
	return ret;
}

static struct kobj_attribute gc_limit_bytes_attr =
	__ATTR(limit_bytes, 0644, gc_limit_bytes_show, gc_limit_bytes_store);

static ssize_t gc_enabled_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(tcmk_gc_enabled));
}

static ssize_t gc_enabled_store(struct kobject *kobj,
				struct kobj_attribute *attr,
				const char *buf, size_t count)
{
	unsigned int val;
	int err = uint_arg(buf, 1, &val);

	if (err)
		return err;
	WRITE_ONCE(tcmk_gc_enabled, val);
	return count;
}

static struct kobj_attribute gc_enabled_attr =
	__ATTR(enabled, 0644, gc_enabled_show, gc_enabled_store);

static ssize_t gc_collect_store(struct kobject *kobj,
				struct kobj_attribute *attr,
				const char *buf, size_t count)
{
	return action_store(buf, count, tcmk_gc_collect);
}

static struct kobj_attribute gc_collect_attr =
	__ATTR(collect, 0200, NULL, gc_collect_store);

static struct attribute *tcmk_gc_attrs[] = {
	&gc_enabled_attr.attr,
	&gc_collect_attr.attr,
#define TCMK_GC_STAT(name)	(&gc_##name##_attr.attr),
#include "stats_list.h"
	&gc_section_max_ns_attr.attr,
	&gc_pauses_attr.attr,
	&gc_phase_attr.attr,
	&gc_percent_attr.attr,
	&gc_limit_bytes_attr.attr,
	NULL,
};

static const struct attribute_group tcmk_gc_group = {
	.name = "gc",
	.attrs = tcmk_gc_attrs,
};

/* debug_errors/: debug mode's errors since load, one file per kind. */
#define TCMK_DEBUG_ERROR_ATTR(name, err)				\
static ssize_t debug_##name##_show(struct kobject *kobj,		\
				   struct kobj_attribute *attr, char *buf) \
{									\
	return sysfs_emit(buf, "%ld\n",					\
			  atomic_long_read(&tcmk_debug_errors[err]));	\
}									\
static struct kobj_attribute debug_##name##_attr =			\
	__ATTR(name, 0444, debug_##name##_show, NULL)

TCMK_DEBUG_ERROR_ATTR(redzone, TCMK_DEBUG_REDZONE);
TCMK_DEBUG_ERROR_ATTR(poison, TCMK_DEBUG_POISON);
TCMK_DEBUG_ERROR_ATTR(double_free, TCMK_DEBUG_DOUBLE_FREE);
TCMK_DEBUG_ERROR_ATTR(invalid_free, TCMK_DEBUG_INVALID_FREE);

static struct attribute *tcmk_debug_error_attrs[] = {
	&debug_redzone_attr.attr,
	&debug_poison_attr.attr,
	&debug_double_free_attr.attr,
	&debug_invalid_free_attr.attr,
	NULL,
};

static const struct attribute_group tcmk_debug_error_group = {
	.name = "debug_errors",
	.attrs = tcmk_debug_error_attrs,
};

/* Removing a named group that is not there warns. */
static bool tcmk_debug_group_added;

static bool tcmk_gc_group_added;

static unsigned int kobj_cls(struct kobject *kobj)
{
	return container_of(kobj, struct tcmk_class_kobj, kobj)->cls;
}

/* Class @kobj's figures now: a value, as stats_now(). */
static struct tcmk_class_stats class_stats_now(struct kobject *kobj)
{
	struct tcmk_class_stats cs;

	tcmk_class_stats(kobj_cls(kobj), &cs);
	return cs;
}

/* classes/<size>/: a file per figure of stats_list.h, but the next one. */
#define TCMK_CLASS_INFO(file, field)					\
	TCMK_RO_FILE(class_##file, file, "%u\n",			\
		     tcmk_classes[kobj_cls(kobj)].field)
#define TCMK_CLASS_STAT(file, field)					\
	TCMK_RO_FILE(class_##file, file, "%lu\n",			\
		     class_stats_now(kobj).field)
#include "stats_list.h"

/* Ends a list of CPUs that left some out for want of room. */
#define CPU_LIST_MORE	" ...\n"

/* The first CPU from @cpu on with a count, its count in *@n; @nr_ids if none. */
static unsigned int next_counted(unsigned int cpu, unsigned int nr_ids,
				 unsigned long (*count)(unsigned int cpu, void *data),
				 void *data, unsigned long *n)
{
	for (; cpu < nr_ids; cpu++) {
		*n = count(cpu, data);
		if (*n)
			break;
	}
	return cpu;
}

/*
 * tcmk_sysfs_emit_cpu_list(), for CPUs (@tag 'C') or nodes ('N'): see there.
 */
static int emit_list(char *buf, unsigned long sum, unsigned int nr_ids,
		     char tag, unsigned long (*count)(unsigned int id, void *data),
		     void *data)
{
	/* " C" and "=", with an unsigned int and an unsigned long at most. */
	char rec[2 + 10 + 1 + 20 + 1];
	unsigned long n = 0, n_next = 0;
	unsigned int cpu, next;
	int len, r, tail;

	len = sysfs_emit(buf, "%lu", sum);
	cpu = next_counted(0, nr_ids, count, data, &n);
	while (cpu < nr_ids) {
		next = next_counted(cpu + 1, nr_ids, count, data, &n_next);
		/*
		 * After this record: the newline if it is the last, else room
		 * for CPU_LIST_MORE in case the next one does not fit.
		 */
		r = scnprintf(rec, sizeof(rec), " %c%u=%lu", tag, cpu, n);
		tail = next < nr_ids ? sizeof(CPU_LIST_MORE) - 1 : 1;
		if (len + r + tail > PAGE_SIZE - 1)
			return len + sysfs_emit_at(buf, len, CPU_LIST_MORE);
		len += sysfs_emit_at(buf, len, "%s", rec);
		cpu = next;
		n = n_next;
	}
	return len + sysfs_emit_at(buf, len, "\n");
}

/**
 * tcmk_sysfs_emit_cpu_list() - a sum, then each CPU with a count: "40 C0=8 C1=32".
 * @buf:	the page a sysfs show method fills.
 * @sum:	the sum over every CPU.
 * @nr_ids:	CPU ids to ask @count about, from 0.
 * @count:	the count of a CPU; CPUs with 0 are left out.
 * @data:	passed to @count.
 *
 * A page holds a few hundred CPUs. Where more hold objects, the list stops
 * after the last record that leaves room for CPU_LIST_MORE, and ends with
 * it: never inside a record, never without its newline, and the sum still
 * counts every CPU. The CPUs come from a callback, so that tests can ask
 * for the list of any number of them.
 *
 * Return: the length of what was written, at most PAGE_SIZE - 1.
 */
int tcmk_sysfs_emit_cpu_list(char *buf, unsigned long sum, unsigned int nr_ids,
			     unsigned long (*count)(unsigned int cpu, void *data),
			     void *data)
{
	return emit_list(buf, sum, nr_ids, 'C', count, data);
}
TCMK_EXPORT_FOR_TESTS(tcmk_sysfs_emit_cpu_list);

/* The list's TCMK_CLASS_CPU_STAT for nodes: "40 N0=8 N1=32". */
static int emit_node_list(char *buf, unsigned long sum,
			  unsigned long (*count)(unsigned int nid, void *data),
			  void *data)
{
	return emit_list(buf, sum, nr_node_ids, 'N', count, data);
}

/* Objects of class *@data in @cpu's cache; 0 for a CPU that cannot exist. */
static unsigned long cached_of_cpu(unsigned int cpu, void *data)
{
	struct tcmk_cpu_counts c;

	if (!cpu_possible(cpu))
		return 0;
	tcmk_cpu_counts(*(unsigned int *)data, cpu, &c);
	return c.cached;
}

/* The list's TCMK_CLASS_CPU_STAT: the sum, then each CPU's share. */
static ssize_t class_objects_cached_cpu_show(struct kobject *kobj,
					     struct kobj_attribute *attr,
					     char *buf)
{
	unsigned int cls = kobj_cls(kobj);
	struct tcmk_cpu_counts c;

	tcmk_cpu_counts(cls, -1, &c);
	return tcmk_sysfs_emit_cpu_list(buf, c.cached, nr_cpu_ids,
					cached_of_cpu, &cls);
}

static struct kobj_attribute class_objects_cached_cpu_attr =
	__ATTR(objects_cached_cpu, 0444, class_objects_cached_cpu_show, NULL);

/* Objects of class *@data in use of node @nid; 0 for a node without memory. */
static unsigned long in_use_of_node(unsigned int nid, void *data)
{
	unsigned long cached;

	if (!node_state(nid, N_MEMORY))
		return 0;
	return tcmk_node_class_in_use(nid, *(unsigned int *)data, &cached);
}

/* objects_in_use_node: the sum over nodes, then each node's share. */
static ssize_t class_objects_in_use_node_show(struct kobject *kobj,
					      struct kobj_attribute *attr,
					      char *buf)
{
	unsigned int cls = kobj_cls(kobj);
	unsigned long sum = 0;
	int nid;

	for_each_node_state(nid, N_MEMORY)
		sum += in_use_of_node(nid, &cls);
	return emit_node_list(buf, sum, in_use_of_node, &cls);
}

static struct kobj_attribute class_objects_in_use_node_attr =
	__ATTR(objects_in_use_node, 0444, class_objects_in_use_node_show, NULL);

static struct attribute *tcmk_class_attrs[] = {
#define TCMK_CLASS_INFO(file, ...)	(&class_##file##_attr.attr),
#define TCMK_CLASS_STAT(file, ...)	(&class_##file##_attr.attr),
#define TCMK_CLASS_CPU_STAT(file, ...) (&class_##file##_attr.attr),
#include "stats_list.h"
	&class_objects_in_use_node_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(tcmk_class);

static void tcmk_class_kobj_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct tcmk_class_kobj, kobj));
}

static const struct kobj_type tcmk_class_ktype = {
	.release	= tcmk_class_kobj_release,
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= tcmk_class_groups,
};

static int __init tcmk_class_kobj_add(unsigned int cls)
{
	struct tcmk_class_kobj *ck;
	int err;

	ck = kzalloc_obj(*ck, GFP_KERNEL);
	if (!ck)
		return -ENOMEM;
	ck->cls = cls;
	err = kobject_init_and_add(&ck->kobj, &tcmk_class_ktype,
				   tcmk_classes_kobj, "%u", tcmk_classes[cls].size);
	if (err) {
		/* The kobject owns @ck now: the put frees it. */
		kobject_put(&ck->kobj);
		return err;
	}
	tcmk_class_kobjs[cls] = ck;
	return 0;
}

/* A directory per node with memory: nodes/node<N>/, its figures. */
struct tcmk_node_kobj {
	struct kobject kobj;
	int nid;
};

static struct kobject *tcmk_nodes_kobj;
static struct tcmk_node_kobj **tcmk_node_kobjs;

static struct tcmk_node_stats node_stats_now(struct kobject *kobj)
{
	struct tcmk_node_stats ns;

	tcmk_node_stats(container_of(kobj, struct tcmk_node_kobj, kobj)->nid, &ns);
	return ns;
}

#define TCMK_NODE_STAT(name)						\
	TCMK_RO_FILE(node_##name, name, "%llu\n", node_stats_now(kobj).name)
TCMK_NODE_STAT(bytes_in_use)
TCMK_NODE_STAT(bytes_cached_cpu)
TCMK_NODE_STAT(bytes_cached_transfer)
TCMK_NODE_STAT(bytes_cached_central)
TCMK_NODE_STAT(bytes_free_page_heap)
TCMK_NODE_STAT(bytes_held)

static struct attribute *tcmk_node_attrs[] = {
	&node_bytes_in_use_attr.attr,
	&node_bytes_cached_cpu_attr.attr,
	&node_bytes_cached_transfer_attr.attr,
	&node_bytes_cached_central_attr.attr,
	&node_bytes_free_page_heap_attr.attr,
	&node_bytes_held_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(tcmk_node);

static void tcmk_node_kobj_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct tcmk_node_kobj, kobj));
}

static const struct kobj_type tcmk_node_ktype = {
	.release	= tcmk_node_kobj_release,
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= tcmk_node_groups,
};

static int __init tcmk_node_kobj_add(int nid)
{
	struct tcmk_node_kobj *nk;
	int err;

	nk = kzalloc_obj(*nk, GFP_KERNEL);
	if (!nk)
		return -ENOMEM;
	nk->nid = nid;
	err = kobject_init_and_add(&nk->kobj, &tcmk_node_ktype,
				   tcmk_nodes_kobj, "node%d", nid);
	if (err) {
		kobject_put(&nk->kobj);
		return err;
	}
	tcmk_node_kobjs[nid] = nk;
	return 0;
}

/* nodes/: a directory per node with memory. */
static int __init tcmk_nodes_init(void)
{
	int nid, err;

	tcmk_node_kobjs = kcalloc(nr_node_ids, sizeof(*tcmk_node_kobjs), GFP_KERNEL);
	tcmk_nodes_kobj = kobject_create_and_add("nodes", tcmk_kobj);
	if (!tcmk_node_kobjs || !tcmk_nodes_kobj)
		return -ENOMEM;
	for_each_node_state(nid, N_MEMORY) {
		err = tcmk_node_kobj_add(nid);
		if (err)
			return err;
	}
	return 0;
}

static void tcmk_nodes_exit(void)
{
	int nid;

	if (tcmk_node_kobjs) {
		for (nid = 0; nid < nr_node_ids; nid++)
			if (tcmk_node_kobjs[nid])
				kobject_put(&tcmk_node_kobjs[nid]->kobj);
	}
	kfree(tcmk_node_kobjs);
	tcmk_node_kobjs = NULL;
	kobject_put(tcmk_nodes_kobj);
	tcmk_nodes_kobj = NULL;
}

/**
 * tcmk_sysfs_caches_dir() - caches/, the parent of each named cache's
 * directory.
 *
 * Return: its kobject, which lives from tcmk_sysfs_init() to
 * tcmk_sysfs_exit(), the span of every cache.
 */
struct kobject *tcmk_sysfs_caches_dir(void)
{
	return tcmk_caches_kobj;
}

/**
 * tcmk_sysfs_class_dir() - classes/<size>/ of class @cls.
 * @cls:	a size class.
 *
 * Return: its kobject, for a merged cache's link to the class it shares.
 */
struct kobject *tcmk_sysfs_class_dir(unsigned int cls)
{
	return &tcmk_class_kobjs[cls]->kobj;
}

/**
 * tcmk_sysfs_exit() - remove /sys/kernel/tcmk; safe on a partial tree.
 *
 * Context: process context, may sleep.
 */
void tcmk_sysfs_exit(void)
{
	unsigned int cls;

	tcmk_nodes_exit();
	kobject_put(tcmk_caches_kobj);
	tcmk_caches_kobj = NULL;
	for (cls = 0; cls < TCMK_NR_CLASSES; cls++) {
		if (tcmk_class_kobjs[cls])
			kobject_put(&tcmk_class_kobjs[cls]->kobj);
		tcmk_class_kobjs[cls] = NULL;
	}
	kobject_put(tcmk_classes_kobj);
	tcmk_classes_kobj = NULL;
	if (tcmk_kobj) {
		if (tcmk_gc_group_added)
			sysfs_remove_group(tcmk_kobj, &tcmk_gc_group);
		tcmk_gc_group_added = false;
		if (tcmk_debug_group_added)
			sysfs_remove_group(tcmk_kobj, &tcmk_debug_error_group);
		tcmk_debug_group_added = false;
		sysfs_remove_group(tcmk_kobj, &tcmk_top_group);
	}
	kobject_put(tcmk_kobj);
	tcmk_kobj = NULL;
}

/**
 * tcmk_sysfs_init() - create /sys/kernel/tcmk.
 *
 * Context: process context, may sleep.
 * Return: 0, or a negative errno with nothing left behind.
 */
int __init tcmk_sysfs_init(void)
{
	unsigned int cls;
	int err;

	tcmk_kobj = kobject_create_and_add("tcmk", kernel_kobj);
	if (!tcmk_kobj)
		return -ENOMEM;
	err = sysfs_create_group(tcmk_kobj, &tcmk_top_group);
	if (err) {
		kobject_put(tcmk_kobj);
		tcmk_kobj = NULL;
		return err;
	}
	err = sysfs_create_group(tcmk_kobj, &tcmk_gc_group);
	if (err)
		goto fail;
	tcmk_gc_group_added = true;
	err = sysfs_create_group(tcmk_kobj, &tcmk_debug_error_group);
	if (err)
		goto fail;
	tcmk_debug_group_added = true;
	tcmk_classes_kobj = kobject_create_and_add("classes", tcmk_kobj);
	if (!tcmk_classes_kobj) {
		err = -ENOMEM;
		goto fail;
	}
	for (cls = 0; cls < TCMK_NR_CLASSES; cls++) {
		err = tcmk_class_kobj_add(cls);
		if (err)
			goto fail;
	}
	err = tcmk_nodes_init();
	if (err)
		goto fail;
	tcmk_caches_kobj = kobject_create_and_add("caches", tcmk_kobj);
	if (!tcmk_caches_kobj) {
		err = -ENOMEM;
		goto fail;
	}
	return 0;

fail:
	pr_err("cannot create /sys/kernel/tcmk: %d\n", err);
	tcmk_sysfs_exit();
	return err;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk heap profile in pprof's format: /sys/kernel/debug/tcmk/heap_profile,
 * a profile.proto message (github.com/google/pprof, proto/profile.proto) of
 * the samples sample.c keeps, with the sample types of Go's heap profile
 * (alloc_objects, alloc_space, inuse_objects, inuse_space), for
 * `go tool pprof` and any other reader of the format. Written with a small
 * encoder of its own, as Go's runtime/pprof writes it (protobuf.go): varints
 * and length-delimited fields, nested messages encoded apart and copied in
 * with their length. Not compressed: pprof reads it as it is.
 *
 * A bucket's frames come from the stack depot (tcmk_sample_frames()),
 * which never frees them: read with no lock, as the buckets are. Every
 * frame of a stack is a location with its address, and a function
 * named from kallsyms, so that pprof needs no symbols of its own; the one
 * mapping says so (has_functions). The addresses are the kernel's: the file
 * is root's only (0400), as /proc/allocinfo is.
 */
#include <linux/bsearch.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kallsyms.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "sample.h"
#include "tcmk.h"

/* profile.proto's field numbers, of the messages written here. */
enum {
	PROFILE_SAMPLE_TYPE = 1,
	PROFILE_SAMPLE = 2,
	PROFILE_MAPPING = 3,
	PROFILE_LOCATION = 4,
	PROFILE_FUNCTION = 5,
	PROFILE_STRING_TABLE = 6,
	PROFILE_TIME_NANOS = 9,
	PROFILE_PERIOD_TYPE = 11,
	PROFILE_PERIOD = 12,
	VALUE_TYPE_TYPE = 1,
	VALUE_TYPE_UNIT = 2,
	SAMPLE_LOCATION_ID = 1,
	SAMPLE_VALUE = 2,
	MAPPING_ID = 1,
	MAPPING_MEMORY_START = 2,
	MAPPING_MEMORY_LIMIT = 3,
	MAPPING_FILENAME = 5,
	MAPPING_HAS_FUNCTIONS = 7,
	LOCATION_ID = 1,
	LOCATION_MAPPING_ID = 2,
	LOCATION_ADDRESS = 3,
	LOCATION_LINE = 4,
	LINE_FUNCTION_ID = 1,
	FUNCTION_ID = 1,
	FUNCTION_NAME = 2,
	FUNCTION_SYSTEM_NAME = 3,
	FUNCTION_FILENAME = 4,
};

enum { WIRE_VARINT = 0, WIRE_BYTES = 2 };

/*
 * The string table's fixed strings, by index; each function adds its name
 * and its file (the module, or vmlinux) after them.
 */
static const char *const pprof_strings[] = {
	"", "alloc_objects", "count", "alloc_space", "bytes",
	"inuse_objects", "inuse_space", "space", "[kernel]",
};

enum {
	STR_ALLOC_OBJECTS = 1, STR_COUNT, STR_ALLOC_SPACE, STR_BYTES,
	STR_INUSE_OBJECTS, STR_INUSE_SPACE, STR_SPACE, STR_KERNEL,
	STR_FIXED,
};

/* A growing buffer of encoded bytes; @nomem once a growth has failed. */
struct pb {
	u8 *data;
	size_t len;
	size_t cap;
	bool nomem;
};

static bool pb_room(struct pb *b, size_t more)
{
	size_t cap;
	u8 *data;

	if (b->nomem)
		return false;
	if (b->len + more <= b->cap)
		return true;
	cap = max(b->cap * 2, b->len + more + 256);
	data = kvmalloc(cap, GFP_KERNEL);
	if (!data) {
		b->nomem = true;
		return false;
	}
	if (b->len)
		memcpy(data, b->data, b->len);
	kvfree(b->data);
	b->data = data;
	b->cap = cap;
	return true;
}

static void pb_raw(struct pb *b, const void *p, size_t n)
{
	if (!pb_room(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void pb_varint(struct pb *b, u64 v)
{
	u8 buf[10];
	size_t n = 0;

	while (v >= 0x80) {
		buf[n++] = (u8)v | 0x80;
		v >>= 7;
	}
	buf[n++] = v;
	pb_raw(b, buf, n);
}

static void pb_key(struct pb *b, unsigned int field, unsigned int wire)
{
	pb_varint(b, (u64)field << 3 | wire);
}

static void pb_uint(struct pb *b, unsigned int field, u64 v)
{
	pb_key(b, field, WIRE_VARINT);
	pb_varint(b, v);
}

static void pb_bytes(struct pb *b, unsigned int field, const void *p, size_t n)
{
	pb_key(b, field, WIRE_BYTES);
	pb_varint(b, n);
	pb_raw(b, p, n);
}

/* A nested message, encoded in @sub, which is emptied for the next. */
static void pb_msg(struct pb *b, unsigned int field, struct pb *sub)
{
	pb_bytes(b, field, sub->data, sub->len);
	b->nomem |= sub->nomem;
	sub->len = 0;
}

/* A packed repeated field of varints, encoded in @tmp. */
static void pb_packed(struct pb *b, unsigned int field, const u64 *v,
		      unsigned int n, struct pb *tmp)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		pb_varint(tmp, v[i]);
	pb_msg(b, field, tmp);
}

static void pb_value_type(struct pb *b, unsigned int field, unsigned int type,
			  unsigned int unit, struct pb *tmp)
{
	pb_uint(tmp, VALUE_TYPE_TYPE, type);
	pb_uint(tmp, VALUE_TYPE_UNIT, unit);
	pb_msg(b, field, tmp);
}

static int cmp_addr(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* The location id of @addr: its index in @locs, sorted and unique, plus 1. */
static u64 location_id(const unsigned long *locs, size_t n, unsigned long addr)
{
	const unsigned long *p = bsearch(&addr, locs, n, sizeof(*locs), cmp_addr);

	return p ? p - locs + 1 : 0;
}

/*
 * The function and location of each address, and their names in @strs
 * (the string table's entries after the fixed ones): two strings per
 * address, its function's name and file.
 */
static void encode_locations(struct pb *b, struct pb *strs, struct pb *tmp,
			     struct pb *line, const unsigned long *locs,
			     size_t n)
{
	char name[KSYM_SYMBOL_LEN];
	char *file, *end;
	size_t i;

	for (i = 0; i < n; i++) {
		u64 id = i + 1, str = STR_FIXED + 2 * i;

		/*
		 * A return address: the call is the byte before it, which is
		 * in the caller even when the call is the function's last
		 * instruction.
		 */
		sprint_symbol_no_offset(name, locs[i] - 1);
		/* "name [module]": the module is the function's file. */
		file = strstr(name, " [");
		end = file ? strchr(file, ']') : NULL;
		if (file && end) {
			*file = '\0';
			file += 2;
			*end = '\0';
		} else {
			file = "vmlinux";
		}
		pb_bytes(strs, PROFILE_STRING_TABLE, name, strlen(name));
		pb_bytes(strs, PROFILE_STRING_TABLE, file, strlen(file));

		pb_uint(tmp, FUNCTION_ID, id);
		pb_uint(tmp, FUNCTION_NAME, str);
		pb_uint(tmp, FUNCTION_SYSTEM_NAME, str);
		pb_uint(tmp, FUNCTION_FILENAME, str + 1);
		pb_msg(b, PROFILE_FUNCTION, tmp);

		pb_uint(line, LINE_FUNCTION_ID, id);
		pb_uint(tmp, LOCATION_ID, id);
		pb_uint(tmp, LOCATION_MAPPING_ID, 1);
		pb_uint(tmp, LOCATION_ADDRESS, locs[i]);
		pb_msg(tmp, LOCATION_LINE, line);
		pb_msg(b, PROFILE_LOCATION, tmp);
	}
}

/*
 * The whole profile in @b. Buckets made while it is written are left out:
 * the list is taken once, at its head.
 */
static void encode_profile(struct pb *b)
{
	struct tcmk_sample_bucket *bk, *head = tcmk_sample_buckets();
	struct pb tmp = {}, sub = {}, strs = {};
	u64 ids[TCMK_SAMPLE_DEPTH], vals[4];
	size_t nlocs = 0, n = 0, i;
	const unsigned long *frames;
	unsigned int d, depth;
	unsigned long *locs;

	for (bk = head; bk; bk = bk->next)
		nlocs += tcmk_sample_frames(bk, &frames);
	locs = kvmalloc_array(max_t(size_t, nlocs, 1), sizeof(*locs), GFP_KERNEL);
	if (!locs) {
		b->nomem = true;
		return;
	}
	for (bk = head; bk; bk = bk->next) {
		depth = tcmk_sample_frames(bk, &frames);
		for (d = 0; d < depth; d++)
			locs[n++] = frames[d];
	}
	sort(locs, n, sizeof(*locs), cmp_addr, NULL);
	for (i = 0, nlocs = 0; i < n; i++)
		if (!nlocs || locs[nlocs - 1] != locs[i])
			locs[nlocs++] = locs[i];

	pb_value_type(b, PROFILE_SAMPLE_TYPE, STR_ALLOC_OBJECTS, STR_COUNT, &tmp);
	pb_value_type(b, PROFILE_SAMPLE_TYPE, STR_ALLOC_SPACE, STR_BYTES, &tmp);
	pb_value_type(b, PROFILE_SAMPLE_TYPE, STR_INUSE_OBJECTS, STR_COUNT, &tmp);
	pb_value_type(b, PROFILE_SAMPLE_TYPE, STR_INUSE_SPACE, STR_BYTES, &tmp);

	for (bk = head; bk; bk = bk->next) {
		depth = tcmk_sample_frames(bk, &frames);
		for (d = 0; d < depth; d++)
			ids[d] = location_id(locs, nlocs, frames[d]);
		vals[0] = READ_ONCE(bk->alloc_objects) >> TCMK_SAMPLE_SHIFT;
		vals[1] = READ_ONCE(bk->alloc_bytes) >> TCMK_SAMPLE_SHIFT;
		vals[2] = READ_ONCE(bk->inuse_objects) >> TCMK_SAMPLE_SHIFT;
		vals[3] = READ_ONCE(bk->inuse_bytes) >> TCMK_SAMPLE_SHIFT;
		pb_packed(&sub, SAMPLE_LOCATION_ID, ids, depth, &tmp);
		pb_packed(&sub, SAMPLE_VALUE, vals, ARRAY_SIZE(vals), &tmp);
		pb_msg(b, PROFILE_SAMPLE, &sub);
	}

	/* One mapping for the whole kernel: its functions are named here. */
	pb_uint(&tmp, MAPPING_ID, 1);
	pb_uint(&tmp, MAPPING_MEMORY_START, 0);
	pb_uint(&tmp, MAPPING_MEMORY_LIMIT, ULONG_MAX);
	pb_uint(&tmp, MAPPING_FILENAME, STR_KERNEL);
	pb_uint(&tmp, MAPPING_HAS_FUNCTIONS, 1);
	pb_msg(b, PROFILE_MAPPING, &tmp);

	encode_locations(b, &strs, &tmp, &sub, locs, nlocs);
	kvfree(locs);

	for (i = 0; i < ARRAY_SIZE(pprof_strings); i++)
		pb_bytes(b, PROFILE_STRING_TABLE, pprof_strings[i],
			 strlen(pprof_strings[i]));
	pb_raw(b, strs.data, strs.len);
	b->nomem |= strs.nomem || tmp.nomem || sub.nomem;
	pb_uint(b, PROFILE_TIME_NANOS, ktime_get_real_ns());
	pb_value_type(b, PROFILE_PERIOD_TYPE, STR_SPACE, STR_BYTES, &tmp);
	pb_uint(b, PROFILE_PERIOD, tcmk_sample_rate());
	kvfree(strs.data);
	kvfree(tmp.data);
	kvfree(sub.data);
}

/* Each open takes a profile of its own, read from the buffer it made. */
static int heap_profile_open(struct inode *inode, struct file *file)
{
	struct pb *b = kzalloc_obj(*b, GFP_KERNEL);

	if (!b)
		return -ENOMEM;
	encode_profile(b);
	if (b->nomem) {
		kvfree(b->data);
		kfree(b);
		return -ENOMEM;
	}
	file->private_data = b;
	return 0;
}

static ssize_t heap_profile_read(struct file *file, char __user *buf,
				 size_t count, loff_t *ppos)
{
	struct pb *b = file->private_data;

	return simple_read_from_buffer(buf, count, ppos, b->data, b->len);
}

static int heap_profile_release(struct inode *inode, struct file *file)
{
	struct pb *b = file->private_data;

	kvfree(b->data);
	kfree(b);
	return 0;
}

static const struct file_operations heap_profile_fops = {
	.owner = THIS_MODULE,
	.open = heap_profile_open,
	.read = heap_profile_read,
	.release = heap_profile_release,
};

/**
 * tcmk_pprof_debugfs_init() - create heap_profile.
 * @dir:	tcmk's debugfs directory.
 */
void tcmk_pprof_debugfs_init(struct dentry *dir)
{
	debugfs_create_file("heap_profile", 0400, dir, NULL, &heap_profile_fops);
}

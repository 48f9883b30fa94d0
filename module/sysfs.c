// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk sysfs interface: /sys/kernel/tcmk/.
 *
 * One value per file. Documentation/ABI/testing/sysfs-kernel-tcmk describes
 * every file.
 *
 *   /sys/kernel/tcmk/version
 *   /sys/kernel/tcmk/classes/<size>/{size,pages_per_span,objects_per_span,batch}
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "tcmk.h"

static struct kobject *tcmk_kobj;
static struct kobject *tcmk_classes_kobj;

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

static struct attribute *tcmk_top_attrs[] = {
	&version_attr.attr,
	NULL,
};

static const struct attribute_group tcmk_top_group = {
	.attrs = tcmk_top_attrs,
};

static const struct tcmk_class_info *kobj_class(struct kobject *kobj)
{
	return &tcmk_classes[container_of(kobj, struct tcmk_class_kobj, kobj)->cls];
}

#define TCMK_CLASS_ATTR(name, field)					\
static ssize_t name##_show(struct kobject *kobj,			\
			   struct kobj_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%u\n", kobj_class(kobj)->field);	\
}									\
static struct kobj_attribute class_##name##_attr = __ATTR_RO(name)

TCMK_CLASS_ATTR(size, size);
TCMK_CLASS_ATTR(pages_per_span, pages);
TCMK_CLASS_ATTR(objects_per_span, objects);
TCMK_CLASS_ATTR(batch, batch);

static struct attribute *tcmk_class_attrs[] = {
	&class_size_attr.attr,
	&class_pages_per_span_attr.attr,
	&class_objects_per_span_attr.attr,
	&class_batch_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(tcmk_class);

static void tcmk_class_kobj_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct tcmk_class_kobj, kobj));
}

static struct kobj_type tcmk_class_ktype = {
	.release	= tcmk_class_kobj_release,
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= tcmk_class_groups,
};

static int __init tcmk_class_kobj_add(unsigned int cls)
{
	struct tcmk_class_kobj *ck;
	int err;

	ck = kzalloc(sizeof(*ck), GFP_KERNEL);
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

/**
 * tcmk_sysfs_exit() - remove /sys/kernel/tcmk; safe on a partial tree.
 *
 * Context: process context, may sleep.
 */
void tcmk_sysfs_exit(void)
{
	unsigned int cls;

	for (cls = 0; cls < TCMK_NR_CLASSES; cls++) {
		if (tcmk_class_kobjs[cls])
			kobject_put(&tcmk_class_kobjs[cls]->kobj);
		tcmk_class_kobjs[cls] = NULL;
	}
	kobject_put(tcmk_classes_kobj);
	tcmk_classes_kobj = NULL;
	if (tcmk_kobj)
		sysfs_remove_group(tcmk_kobj, &tcmk_top_group);
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
	return 0;

fail:
	pr_err("cannot create /sys/kernel/tcmk: %d\n", err);
	tcmk_sysfs_exit();
	return err;
}

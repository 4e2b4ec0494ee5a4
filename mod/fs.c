// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: the vmpool file system, mounted by operators.
 *
 *   mount -t vmpool -o tenant=ID[,size=,reserve=,limit=,node=,uid=,gid=,mode=] \
 *	none /run/vmpool/acme
 *
 * Every regular file created on a mount is a VM of the mount's tenant,
 * named after the file.  Setting its size, once, from 0 to the size of
 * guest memory (QEMU's ftruncate() of a memory-backend-file) creates the
 * VM; from then on the size is fixed.  The VM lives as long as its inode:
 * unlink() and the last close and munmap() destroy it.  Directories may be
 * made (libvirt makes one per domain under its memory_backing_dir).
 *
 * Whoever may create files in a directory of a mount creates VMs of its
 * tenant: uid=, gid= and mode= say who that is for the root directory,
 * which by default belongs to the mounter and only it may write (0755).
 * Mounting needs CAP_SYS_ADMIN in the initial user namespace.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/module.h>
#include <linux/security.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/statfs.h>
#include <linux/uuid.h>

#include "vmpool.h"

#define VMPOOL_FS_DEFAULT_MODE	0755

/* The pool the VMs of every mount draw from; set before registration. */
static struct vmpool_pool *vmpool_fs_pool;

enum vmpool_fs_param {
	VMPOOL_OPT_TENANT,
	VMPOOL_OPT_SIZE,
	VMPOOL_OPT_RESERVE,
	VMPOOL_OPT_LIMIT,
	VMPOOL_OPT_NODE,
	VMPOOL_OPT_UID,
	VMPOOL_OPT_GID,
	VMPOOL_OPT_MODE,
};

static const struct fs_parameter_spec vmpool_fs_params[] = {
	fsparam_string("tenant",	VMPOOL_OPT_TENANT),
	fsparam_string("size",		VMPOOL_OPT_SIZE),
	fsparam_string("reserve",	VMPOOL_OPT_RESERVE),
	fsparam_string("limit",		VMPOOL_OPT_LIMIT),
	fsparam_u32("node",		VMPOOL_OPT_NODE),
	fsparam_u32("uid",		VMPOOL_OPT_UID),
	fsparam_u32("gid",		VMPOOL_OPT_GID),
	fsparam_u32oct("mode",		VMPOOL_OPT_MODE),
	{}
};

/**
 * struct vmpool_fs_opts - the options of a mount
 * @tenant: the tenant of every VM created on the mount.
 * @size: most pages the VMs of the mount may have together; 0 for no cap.
 * @reserve: pages each new VM takes from the global pool at once.
 * @limit: most pages each new VM may hold; 0 for its size.
 * @node: the NUMA node of each new VM (%VMPOOL_VM_NODE), or
 *	%NUMA_NO_NODE.
 * @uid: owner of the root directory.
 * @gid: group of the root directory.
 * @mode: permissions of the root directory.
 * @seen: the options given, BIT(VMPOOL_OPT_*).
 */
struct vmpool_fs_opts {
	uuid_t tenant;
	unsigned long size;
	unsigned long reserve;
	unsigned long limit;
	int node;
	kuid_t uid;
	kgid_t gid;
	umode_t mode;
	unsigned int seen;
};

/**
 * struct vmpool_fs_info - a mounted vmpool file system
 * @opts: its options.
 * @lock: guards @used, and @opts.size, @opts.reserve and @opts.limit,
 *	which a remount may change.
 * @used: pages of the VMs created on it that still live.
 */
struct vmpool_fs_info {
	struct vmpool_fs_opts opts;
	spinlock_t lock;	/* guards @used, @opts.size, .reserve, .limit */
	unsigned long used;
};

static const struct inode_operations vmpool_fs_dir_iops;
static const struct inode_operations vmpool_fs_file_iops;

static struct inode *vmpool_fs_get_inode(struct super_block *sb,
					 vmpool_idmap *idmap,
					 const struct inode *dir, umode_t mode)
{
	struct inode *inode = new_inode(sb);

	if (!inode)
		return NULL;
	inode->i_ino = get_next_ino();
	inode_init_owner(idmap, inode, dir, mode);
	vmpool_inode_init_ts(inode);
	if (S_ISDIR(mode)) {
		inode->i_op = &vmpool_fs_dir_iops;
		inode->i_fop = &simple_dir_operations;
		/* "." */
		inc_nlink(inode);
	} else {
		inode->i_op = &vmpool_fs_file_iops;
		inode->i_fop = &vmpool_mounted_vm_fops;
	}
	return inode;
}

static int vmpool_fs_mknod(vmpool_idmap *idmap, struct inode *dir,
			   struct dentry *dentry, umode_t mode)
{
	struct inode *inode;
	int ret;

	inode = vmpool_fs_get_inode(dir->i_sb, idmap, dir, mode);
	if (!inode)
		return -ENOMEM;
	ret = security_inode_init_security(inode, dir, &dentry->d_name, NULL,
					   NULL);
	if (ret) {
		iput(inode);
		return ret;
	}
	d_instantiate(dentry, inode);
	/* Pinned until it is unlinked, as on ramfs. */
	dget(dentry);
	vmpool_dir_touch(dir);
	return 0;
}

static int vmpool_fs_create(vmpool_idmap *idmap, struct inode *dir,
			    struct dentry *dentry, umode_t mode, bool excl)
{
	return vmpool_fs_mknod(idmap, dir, dentry, (mode & 07777) | S_IFREG);
}

static int vmpool_fs_mkdir(vmpool_idmap *idmap, struct inode *dir,
			   struct dentry *dentry, umode_t mode)
{
	int ret = vmpool_fs_mknod(idmap, dir, dentry, (mode & 07777) | S_IFDIR);

	/* The new directory's "..". */
	if (!ret)
		inc_nlink(dir);
	return ret;
}

/* No device nodes, FIFOs, sockets or symbolic links: only VMs. */
static const struct inode_operations vmpool_fs_dir_iops = {
	.create		= vmpool_fs_create,
	.lookup		= simple_lookup,
	.link		= simple_link,
	.unlink		= simple_unlink,
	.mkdir		= vmpool_fs_mkdir,
	.rmdir		= simple_rmdir,
	.rename		= simple_rename,
};

/*
 * The first size set, from 0, creates the VM.  Called with the inode lock
 * held, which is what keeps two creations apart.
 */
static int vmpool_fs_set_size(struct dentry *dentry, struct inode *inode,
			      loff_t size)
{
	struct vmpool_fs_info *fsi = inode->i_sb->s_fs_info;
	struct vmpool_vm_create args = {};
	struct name_snapshot name;
	unsigned long nr_pages;
	struct vmpool_vm *vm;

	/* Guest memory has one size for its whole life. */
	if (inode->i_private)
		return size == i_size_read(inode) ? 0 : -EINVAL;
	if (!size)
		return 0;
	if (!PAGE_ALIGNED(size))
		return -EINVAL;
	nr_pages = size >> PAGE_SHIFT;

	spin_lock(&fsi->lock);
	if (fsi->opts.size && nr_pages > fsi->opts.size - fsi->used) {
		spin_unlock(&fsi->lock);
		return -ENOSPC;
	}
	fsi->used += nr_pages;
	args.reserve_pages = min(fsi->opts.reserve, nr_pages);
	args.limit_pages = fsi->opts.limit;
	spin_unlock(&fsi->lock);
	if (fsi->opts.node != NUMA_NO_NODE) {
		args.flags |= VMPOOL_VM_NODE;
		args.node = fsi->opts.node;
	}

	args.mem_size = size;
	take_dentry_name_snapshot(&name, dentry);
	strscpy(args.name, name.name.name, sizeof(args.name));
	release_dentry_name_snapshot(&name);

	vm = vmpool_vm_new(vmpool_fs_pool, &args, &fsi->opts.tenant);
	if (IS_ERR(vm)) {
		spin_lock(&fsi->lock);
		fsi->used -= nr_pages;
		spin_unlock(&fsi->lock);
		return PTR_ERR(vm);
	}
	vm->inode = inode;
	i_size_write(inode, size);
	/*
	 * Files already open act on the VM from now on; pairs with the
	 * acquire in vmpool_file_vm().
	 */
	smp_store_release(&inode->i_private, vm);
	return 0;
}

static int vmpool_fs_setattr(vmpool_idmap *idmap, struct dentry *dentry,
			     struct iattr *attr)
{
	struct inode *inode = d_inode(dentry);
	int ret;

	ret = setattr_prepare(idmap, dentry, attr);
	if (ret)
		return ret;
	if (attr->ia_valid & ATTR_SIZE) {
		ret = vmpool_fs_set_size(dentry, inode, attr->ia_size);
		if (ret)
			return ret;
	}
	setattr_copy(idmap, inode, attr);
	mark_inode_dirty(inode);
	return 0;
}

static const struct inode_operations vmpool_fs_file_iops = {
	.setattr	= vmpool_fs_setattr,
	.getattr	= simple_getattr,
};

static void vmpool_fs_evict_inode(struct inode *inode)
{
	struct vmpool_fs_info *fsi = inode->i_sb->s_fs_info;
	struct vmpool_vm *vm = inode->i_private;

	if (vm) {
		vmpool_vm_close(vm);
		spin_lock(&fsi->lock);
		fsi->used -= vm->nr_pages;
		spin_unlock(&fsi->lock);
	}
	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
	if (vm)
		vmpool_vm_put(vm);
}

/* Blocks are pages of guest memory: the cap, or the whole pool. */
static int vmpool_fs_statfs(struct dentry *dentry, struct kstatfs *buf)
{
	struct vmpool_fs_info *fsi = dentry->d_sb->s_fs_info;
	unsigned long blocks, used;

	spin_lock(&fsi->lock);
	blocks = fsi->opts.size ?: vmpool_fs_pool->nr_pages;
	used = fsi->used;
	spin_unlock(&fsi->lock);

	buf->f_type = VMPOOL_FS_MAGIC;
	buf->f_bsize = PAGE_SIZE;
	buf->f_blocks = blocks;
	buf->f_bfree = blocks - min(blocks, used);
	buf->f_bavail = buf->f_bfree;
	buf->f_namelen = NAME_MAX;
	return 0;
}

static void vmpool_fs_show_pages(struct seq_file *m, const char *key,
				 unsigned long pages)
{
	if (pages)
		seq_printf(m, ",%s=%luk", key, pages << (PAGE_SHIFT - 10));
}

static int vmpool_fs_show_options(struct seq_file *m, struct dentry *root)
{
	struct vmpool_fs_info *fsi = root->d_sb->s_fs_info;
	struct vmpool_fs_opts o;

	spin_lock(&fsi->lock);
	o = fsi->opts;
	spin_unlock(&fsi->lock);

	/* A number if it has one, else a UUID. */
	if (!memchr_inv(o.tenant.b, 0, 12))
		seq_printf(m, ",tenant=%u", get_unaligned_be32(&o.tenant.b[12]));
	else
		seq_printf(m, ",tenant=%pUb", &o.tenant);
	vmpool_fs_show_pages(m, "size", o.size);
	vmpool_fs_show_pages(m, "reserve", o.reserve);
	vmpool_fs_show_pages(m, "limit", o.limit);
	if (o.node != NUMA_NO_NODE)
		seq_printf(m, ",node=%d", o.node);
	if (!uid_eq(o.uid, GLOBAL_ROOT_UID))
		seq_printf(m, ",uid=%u", from_kuid_munged(&init_user_ns, o.uid));
	if (!gid_eq(o.gid, GLOBAL_ROOT_GID))
		seq_printf(m, ",gid=%u", from_kgid_munged(&init_user_ns, o.gid));
	if (o.mode != VMPOOL_FS_DEFAULT_MODE)
		seq_printf(m, ",mode=%o", o.mode);
	return 0;
}

static const struct super_operations vmpool_fs_sops = {
	.statfs		= vmpool_fs_statfs,
	.drop_inode	= generic_delete_inode,
	.evict_inode	= vmpool_fs_evict_inode,
	.show_options	= vmpool_fs_show_options,
};

static int vmpool_fs_parse_tenant(struct fs_context *fc, const char *s,
				  uuid_t *id)
{
	u32 legacy;

	if (uuid_is_valid(s) && !uuid_parse(s, id) && !uuid_is_null(id))
		return 0;
	if (kstrtou32(s, 0, &legacy) || !legacy)
		return invalfc(fc, "tenant=%s: not a number from 1 to 2^32-1 or a UUID",
			       s);
	vmpool_tenant_legacy_uuid(legacy, id);
	return 0;
}

/* A size in bytes, with K, M, G... suffixes, in whole pages. */
static int vmpool_fs_parse_pages(struct fs_context *fc,
				 struct fs_parameter *param,
				 unsigned long max, unsigned long *pages)
{
	char *end;
	u64 bytes;

	bytes = memparse(param->string, &end);
	if (end == param->string || *end || !PAGE_ALIGNED(bytes))
		return invalfc(fc, "%s=%s: not a size in whole pages of %lu bytes",
			       param->key, param->string, PAGE_SIZE);
	if (bytes >> PAGE_SHIFT > max)
		return invalfc(fc, "%s=%s: above %lu pages", param->key,
			       param->string, max);
	*pages = bytes >> PAGE_SHIFT;
	return 0;
}

static int vmpool_fs_parse_param(struct fs_context *fc,
				 struct fs_parameter *param)
{
	struct vmpool_fs_opts *o = fc->fs_private;
	struct fs_parse_result result;
	int opt, ret = 0;

	opt = fs_parse(fc, vmpool_fs_params, param, &result);
	if (opt < 0)
		return opt;

	switch (opt) {
	case VMPOOL_OPT_TENANT:
		ret = vmpool_fs_parse_tenant(fc, param->string, &o->tenant);
		break;
	case VMPOOL_OPT_SIZE:
		ret = vmpool_fs_parse_pages(fc, param, ULONG_MAX >> PAGE_SHIFT,
					    &o->size);
		break;
	case VMPOOL_OPT_RESERVE:
		ret = vmpool_fs_parse_pages(fc, param, VMPOOL_MAX_VM_PAGES,
					    &o->reserve);
		break;
	case VMPOOL_OPT_LIMIT:
		ret = vmpool_fs_parse_pages(fc, param, VMPOOL_MAX_VM_PAGES,
					    &o->limit);
		break;
	case VMPOOL_OPT_NODE:
		if (!vmpool_pool_has_node(vmpool_fs_pool, result.uint_32))
			ret = invalfc(fc, "node=%u: the pool has no memory there",
				      result.uint_32);
		o->node = result.uint_32;
		break;
	case VMPOOL_OPT_UID:
		o->uid = make_kuid(current_user_ns(), result.uint_32);
		if (!uid_valid(o->uid))
			ret = invalfc(fc, "uid=%u: not mapped in this user namespace",
				      result.uint_32);
		break;
	case VMPOOL_OPT_GID:
		o->gid = make_kgid(current_user_ns(), result.uint_32);
		if (!gid_valid(o->gid))
			ret = invalfc(fc, "gid=%u: not mapped in this user namespace",
				      result.uint_32);
		break;
	case VMPOOL_OPT_MODE:
		if (result.uint_32 & ~07777U)
			ret = invalfc(fc, "mode=%o: more than permission bits",
				      result.uint_32);
		o->mode = result.uint_32;
		break;
	}
	if (!ret)
		o->seen |= BIT(opt);
	return ret;
}

static int vmpool_fs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct vmpool_fs_opts *o = fc->fs_private;
	struct vmpool_fs_info *fsi;
	struct inode *root;

	fsi = kzalloc(sizeof(*fsi), GFP_KERNEL);
	if (!fsi)
		return -ENOMEM;
	fsi->opts = *o;
	spin_lock_init(&fsi->lock);
	sb->s_fs_info = fsi;

	sb->s_maxbytes = (loff_t)VMPOOL_MAX_VM_PAGES << PAGE_SHIFT;
	sb->s_blocksize = PAGE_SIZE;
	sb->s_blocksize_bits = PAGE_SHIFT;
	sb->s_magic = VMPOOL_FS_MAGIC;
	sb->s_op = &vmpool_fs_sops;
	sb->s_time_gran = 1;

	root = vmpool_fs_get_inode(sb, vmpool_nop_idmap, NULL,
				   S_IFDIR | o->mode);
	if (!root)
		return -ENOMEM;
	root->i_uid = o->uid;
	root->i_gid = o->gid;
	sb->s_root = d_make_root(root);
	return sb->s_root ? 0 : -ENOMEM;
}

static int vmpool_fs_get_tree(struct fs_context *fc)
{
	struct vmpool_fs_opts *o = fc->fs_private;

	if (!(o->seen & BIT(VMPOOL_OPT_TENANT)))
		return invalfc(fc, "tenant= is required: the tenant of its VMs");
	if (o->limit && o->reserve > o->limit)
		return invalfc(fc, "reserve= is above limit=");
	return get_tree_nodev(fc, vmpool_fs_fill_super);
}

/*
 * A remount changes size=, reserve= and limit=; the rest stays (node= as
 * well: the VMs of the mount keep one node).
 */
static int vmpool_fs_reconfigure(struct fs_context *fc)
{
	struct vmpool_fs_info *fsi = fc->root->d_sb->s_fs_info;
	struct vmpool_fs_opts *o = fc->fs_private;
	unsigned long size, reserve, limit;
	int ret = 0;

	if ((o->seen & BIT(VMPOOL_OPT_TENANT)) &&
	    !uuid_equal(&o->tenant, &fsi->opts.tenant))
		return invalfc(fc, "tenant= cannot change");
	if ((o->seen & BIT(VMPOOL_OPT_NODE)) && o->node != fsi->opts.node)
		return invalfc(fc, "node= cannot change");
	if (((o->seen & BIT(VMPOOL_OPT_UID)) && !uid_eq(o->uid, fsi->opts.uid)) ||
	    ((o->seen & BIT(VMPOOL_OPT_GID)) && !gid_eq(o->gid, fsi->opts.gid)) ||
	    ((o->seen & BIT(VMPOOL_OPT_MODE)) && o->mode != fsi->opts.mode))
		return invalfc(fc, "uid=, gid= and mode= cannot change: chown or chmod the root");

	spin_lock(&fsi->lock);
	size = o->seen & BIT(VMPOOL_OPT_SIZE) ? o->size : fsi->opts.size;
	reserve = o->seen & BIT(VMPOOL_OPT_RESERVE) ? o->reserve : fsi->opts.reserve;
	limit = o->seen & BIT(VMPOOL_OPT_LIMIT) ? o->limit : fsi->opts.limit;
	if (limit && reserve > limit) {
		ret = 1;
	} else if (size && size < fsi->used) {
		ret = 2;
	} else {
		fsi->opts.size = size;
		fsi->opts.reserve = reserve;
		fsi->opts.limit = limit;
	}
	spin_unlock(&fsi->lock);

	if (ret == 1)
		return invalfc(fc, "reserve= is above limit=");
	if (ret == 2)
		return invalfc(fc, "size= is below what the mount's VMs have");
	return 0;
}

static void vmpool_fs_free_fc(struct fs_context *fc)
{
	kfree(fc->fs_private);
}

static const struct fs_context_operations vmpool_fs_context_ops = {
	.free		= vmpool_fs_free_fc,
	.parse_param	= vmpool_fs_parse_param,
	.get_tree	= vmpool_fs_get_tree,
	.reconfigure	= vmpool_fs_reconfigure,
};

static int vmpool_fs_init_fs_context(struct fs_context *fc)
{
	struct vmpool_fs_opts *o;

	o = kzalloc(sizeof(*o), GFP_KERNEL);
	if (!o)
		return -ENOMEM;
	o->uid = current_fsuid();
	o->gid = current_fsgid();
	o->mode = VMPOOL_FS_DEFAULT_MODE;
	o->node = NUMA_NO_NODE;
	fc->fs_private = o;
	fc->ops = &vmpool_fs_context_ops;
	return 0;
}

static void vmpool_fs_kill_sb(struct super_block *sb)
{
	/* Evicting the files destroys their VMs, which still count here. */
	kill_litter_super(sb);
	kfree(sb->s_fs_info);
}

static struct file_system_type vmpool_fs_type = {
	.owner		 = THIS_MODULE,
	.name		 = "vmpool",
	.init_fs_context = vmpool_fs_init_fs_context,
	.parameters	 = vmpool_fs_params,
	.kill_sb	 = vmpool_fs_kill_sb,
};
MODULE_ALIAS_FS("vmpool");

/**
 * vmpool_fs_register - make the vmpool file system mountable
 * @pool: the pool VMs created on its mounts draw from.
 *
 * Context: module init.
 * Return: 0, or a negative errno.
 */
int vmpool_fs_register(struct vmpool_pool *pool)
{
	vmpool_fs_pool = pool;
	return register_filesystem(&vmpool_fs_type);
}

/**
 * vmpool_fs_unregister - undo vmpool_fs_register()
 *
 * No mount is left: each holds a reference to this module.
 *
 * Context: module exit.
 */
void vmpool_fs_unregister(void)
{
	unregister_filesystem(&vmpool_fs_type);
}

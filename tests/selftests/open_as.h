/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Open /dev/tcmk as another user, or without CAP_SYS_ADMIN, from a
 * kselftest: the device is root's only.
 */
#ifndef TCMK_OPEN_AS_H
#define TCMK_OPEN_AS_H

#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/tcmk.h>

/* In a child: open the device as @uid, keeping or dropping CAP_SYS_ADMIN. */
static int open_as(uid_t uid, int drop_sys_admin)
{
	pid_t pid = fork();
	int status, fd;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (drop_sys_admin) {
			struct __user_cap_header_struct hdr = {
				.version = _LINUX_CAPABILITY_VERSION_3,
			};
			struct __user_cap_data_struct data[2];

			if (syscall(SYS_capget, &hdr, data))
				_exit(100);
			data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &=
				~CAP_TO_MASK(CAP_SYS_ADMIN);
			if (syscall(SYS_capset, &hdr, data))
				_exit(101);
		}
		if (uid && (setgid(uid) || setuid(uid)))
			_exit(102);
		fd = open(TCMK_DEVICE, O_RDWR);
		if (fd >= 0)
			_exit(0);
		_exit(errno);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

#endif /* TCMK_OPEN_AS_H */

/*
 * oci/caps.c - capability names, and Docker's default set: the capabilities
 * a container may be given without the operator's say (oci.h, policy.c).
 */
#include <config.h>

#include <stddef.h>
#include <stdint.h>
#include <strings.h>

#include "base/cleanup.h"
#include "oci/oci.h"

/* By number, as <linux/capability.h> numbers them (spelled out: older headers lack 38-40). */
static const char *const cap_names[] = {
	[0] = "CAP_CHOWN",
	[1] = "CAP_DAC_OVERRIDE",
	[2] = "CAP_DAC_READ_SEARCH",
	[3] = "CAP_FOWNER",
	[4] = "CAP_FSETID",
	[5] = "CAP_KILL",
	[6] = "CAP_SETGID",
	[7] = "CAP_SETUID",
	[8] = "CAP_SETPCAP",
	[9] = "CAP_LINUX_IMMUTABLE",
	[10] = "CAP_NET_BIND_SERVICE",
	[11] = "CAP_NET_BROADCAST",
	[12] = "CAP_NET_ADMIN",
	[13] = "CAP_NET_RAW",
	[14] = "CAP_IPC_LOCK",
	[15] = "CAP_IPC_OWNER",
	[16] = "CAP_SYS_MODULE",
	[17] = "CAP_SYS_RAWIO",
	[18] = "CAP_SYS_CHROOT",
	[19] = "CAP_SYS_PTRACE",
	[20] = "CAP_SYS_PACCT",
	[21] = "CAP_SYS_ADMIN",
	[22] = "CAP_SYS_BOOT",
	[23] = "CAP_SYS_NICE",
	[24] = "CAP_SYS_RESOURCE",
	[25] = "CAP_SYS_TIME",
	[26] = "CAP_SYS_TTY_CONFIG",
	[27] = "CAP_MKNOD",
	[28] = "CAP_LEASE",
	[29] = "CAP_AUDIT_WRITE",
	[30] = "CAP_AUDIT_CONTROL",
	[31] = "CAP_SETFCAP",
	[32] = "CAP_MAC_OVERRIDE",
	[33] = "CAP_MAC_ADMIN",
	[34] = "CAP_SYSLOG",
	[35] = "CAP_WAKE_ALARM",
	[36] = "CAP_BLOCK_SUSPEND",
	[37] = "CAP_AUDIT_READ",
	[38] = "CAP_PERFMON",
	[39] = "CAP_BPF",
	[40] = "CAP_CHECKPOINT_RESTORE",
};

/*
 * Docker's (and containerd's, podman's) default 14: what clients ask for a
 * uid-0 process.  Inside the user namespace every container gets they are
 * worth nothing on the host (docs/oci.md, "The floor").
 */
static const int default_caps[] = {
	0 /* CHOWN */,
	1 /* DAC_OVERRIDE */,
	4 /* FSETID */,
	3 /* FOWNER */,
	27 /* MKNOD */,
	13 /* NET_RAW */,
	6 /* SETGID */,
	7 /* SETUID */,
	31 /* SETFCAP */,
	8 /* SETPCAP */,
	10 /* NET_BIND_SERVICE */,
	18 /* SYS_CHROOT */,
	5 /* KILL */,
	29 /* AUDIT_WRITE */,
};

uint64_t oci_caps_default(void)
{
	uint64_t m = 0;

	for (size_t i = 0; i < ELEMENTSOF(default_caps); i++)
		m |= UINT64_C(1) << default_caps[i];
	return m;
}

int oci_cap_from_name(const char *name)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < ELEMENTSOF(cap_names); i++)
		if (strcasecmp(name, cap_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *oci_cap_name(int cap)
{
	if (cap < 0 || (size_t)cap >= ELEMENTSOF(cap_names))
		return NULL;
	return cap_names[cap];
}

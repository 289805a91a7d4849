/*
 * cmd.h: the parsed command line shared by every command.
 */
#ifndef TACIT_CMD_H
#define TACIT_CMD_H

#include "kdf.h"
#include "passphrase.h"

struct opts {
	const char		*repo;		/* -r, --repo */
	struct pass_src		 pass;		/* --passphrase-fd or tty */
	struct pass_src		 newpass;	/* --new-passphrase-fd or tty */
	struct kdf_params	 kdf;		/* for new key slots */
	unsigned		 lock_wait;	/* --lock-wait seconds */
	int			 json;		/* --json */
	int			 argc;		/* operands after options */
	char			**argv;
};

/* Each command returns an exit code of log.h. */
int cmd_init(struct opts *);
int cmd_key(struct opts *);

#endif

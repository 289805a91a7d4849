/*
 * cmd_doctor.c: tacit doctor: no repository, no keys, no worker.
 */
#include "cmd.h"
#include "doctor.h"
#include "log.h"

int
cmd_doctor(struct opts *o)
{
	int level;

	(void)o;
	level = doctor_run(1);
	return level == DOCTOR_HIGH ? EXIT_ERR : EXIT_OK;
}

/*
 * node.c: node helpers.
 */
#include <stdlib.h>
#include <string.h>

#include "node.h"

void
node_free_fields(struct node *n)
{
	size_t i;

	free(n->name);
	free(n->user);
	free(n->group);
	free(n->target);
	for (i = 0; i < n->nxattrs; i++) {
		free(n->xattrs[i].name);
		free(n->xattrs[i].value);
	}
	free(n->xattrs);
	free(n->extents);
	free(n->chunks);
	memset(n, 0, sizeof(*n));
}

int
node_name_ok(const uint8_t *name, size_t len)
{
	if (len == 0 || len > NODE_NAME_MAX)
		return 0;
	if (memchr(name, '/', len) != NULL || memchr(name, '\0', len) != NULL)
		return 0;
	if ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	return 1;
}

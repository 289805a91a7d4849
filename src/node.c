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

static int
dup_bytes(void *dstp, const void *src, size_t len)
{
	uint8_t *p;

	*(uint8_t **)dstp = NULL;
	if (src == NULL)
		return 0;
	if ((p = malloc(len + 1)) == NULL)
		return -1;
	memcpy(p, src, len);
	p[len] = '\0';
	*(uint8_t **)dstp = p;
	return 0;
}

int
node_copy_meta(struct node *d, const struct node *s)
{
	size_t i;

	*d = *s;
	d->name = NULL;
	d->user = d->group = NULL;
	d->target = NULL;
	d->xattrs = NULL;
	d->nxattrs = 0;
	d->extents = NULL;
	d->nextents = 0;
	d->chunks = NULL;
	d->nchunks = 0;
	if (dup_bytes(&d->name, s->name, s->namelen) != 0 ||
	    dup_bytes(&d->user, s->user, s->user ? strlen(s->user) : 0) != 0 ||
	    dup_bytes(&d->group, s->group, s->group ? strlen(s->group) : 0) !=
	    0 || dup_bytes(&d->target, s->target, s->targetlen) != 0)
		goto fail;
	if (s->nxattrs > 0) {
		if ((d->xattrs = calloc(s->nxattrs, sizeof(*d->xattrs))) == NULL)
			goto fail;
		d->nxattrs = s->nxattrs;
		for (i = 0; i < s->nxattrs; i++) {
			d->xattrs[i].len = s->xattrs[i].len;
			if (dup_bytes(&d->xattrs[i].name, s->xattrs[i].name,
			    strlen(s->xattrs[i].name)) != 0 ||
			    dup_bytes(&d->xattrs[i].value, s->xattrs[i].value,
			    s->xattrs[i].len) != 0)
				goto fail;
		}
	}
	return 0;
fail:
	node_free_fields(d);
	return -1;
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

/*
 * pwfile.h: user and group names from /etc/passwd and /etc/group, read as
 * files.  The static binary uses these instead of getpwuid(3) and friends:
 * glibc's NSS would dlopen libnss modules of the build host's glibc into it
 * (undefined on another system), and a live USB system has only the files.
 */
#ifndef TACIT_PWFILE_H
#define TACIT_PWFILE_H

#include <stddef.h>
#include <stdint.h>

#define PWFILE_PASSWD	"/etc/passwd"
#define PWFILE_GROUP	"/etc/group"

/*
 * pwfile_name(path, id, name, size): the name of the first entry of the
 * passwd or group file ${path} whose id (third field) is ${id}, into
 * ${name} (${size} bytes).  1: found (${name} is "" when the name does not
 * fit); 0: no such id; -1: the file cannot be read (errno).
 */
int pwfile_name(const char *, uint32_t, char *, size_t);

/*
 * pwfile_ids(path, name, uid, gid): the ids (third and fourth field) of
 * the first entry of the passwd file ${path} named ${name}.  1: found;
 * 0: no such name or a malformed entry; -1: the file cannot be read.
 */
int pwfile_ids(const char *, const char *, uint32_t *, uint32_t *);

#endif

/*
 * show.h: printing and opening shared by snapshots, ls and restore.
 */
#ifndef TACIT_SHOW_H
#define TACIT_SHOW_H

#include <stddef.h>
#include <stdint.h>

struct node;
struct opts;
struct reader;
struct repo;
struct snapshot;

/*
 * json_str(p, n): print the ${n} bytes at ${p} as a JSON string: valid
 * UTF-8 kept but for C1 controls, the rest escaped.
 */
void json_str(const uint8_t *, size_t);

/*
 * text_str(p, n): print the ${n} bytes at ${p} for a terminal: controls
 * (log_char) and backslash as \xNN (log_unescape undoes it).
 */
void text_str(const uint8_t *, size_t);

/*
 * show_mode(n, out): the type and mode of ${n} as ls -l shows them
 * ("drwxr-xr-x"), NUL-terminated.
 */
void show_mode(const struct node *, char[11]);

/* time_str(sec, out): ${sec} as local time "YYYY-MM-DD HH:MM:SS" in ${out}. */
void time_str(int64_t, char[32]);

/*
 * open_reader(o, rp, rd): open, lock shared and unlock the repository of
 * ${o} (*${rp}) and open its reader ${rd}.  Returns an exit code; on
 * error nothing stays open.
 */
int open_reader(struct opts *, struct repo **, struct reader *);

/*
 * snap_selected(o, s): does ${s} pass the filters of ${o}: one of the
 * --tag lists (each "T1,T2": every tag in it; "": no tag at all), if any,
 * and every --path among its paths?
 */
int snap_selected(const struct opts *, const struct snapshot *);

/*
 * snap_pick(o, rd, spec): the snapshot of ${rd} named by ${spec} among
 * those snap_selected: "latest" (the newest) or a prefix of one id.
 * NULL after a message; an ambiguous prefix lists its candidates.
 */
struct snapshot *snap_pick(const struct opts *, struct reader *,
    const char *);

#endif

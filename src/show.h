/*
 * show.h: printing and opening shared by snapshots, ls and restore.
 */
#ifndef TACIT_SHOW_H
#define TACIT_SHOW_H

#include <stddef.h>
#include <stdint.h>

struct opts;
struct reader;
struct repo;

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

/* time_str(sec, out): ${sec} as local time "YYYY-MM-DD HH:MM:SS" in ${out}. */
void time_str(int64_t, char[32]);

/*
 * open_reader(o, rp, rd): open, lock shared and unlock the repository of
 * ${o} (*${rp}) and open its reader ${rd}.  Returns an exit code; on
 * error nothing stays open.
 */
int open_reader(struct opts *, struct repo **, struct reader *);

#endif

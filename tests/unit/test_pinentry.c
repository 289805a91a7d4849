/*
 * test_pinentry.c: passphrase sources.  The Assuan response decoder with
 * tricky input (several D lines, %25, %0A, S lines, comments, ERR, bad
 * escapes, overflow), the escaper and its round trip, whole sessions with
 * fake pinentry programs (what we send, SETREPEAT, a second GETPIN,
 * cancel, a mismatch, a pinentry that dies), the no-shell word splitter
 * and the weak-passphrase check.  PIN buffers are exact-size
 * sodium_malloc allocations, so an overrun hits a guard page.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "passphrase.h"
#include "pinentry.h"
#include "secmem.h"
#include "subproc.h"
#include "t.h"

/* Feed ${text} line by line; the first end code, and the PIN in ${r}. */
static int
feed(struct pinentry_resp *r, const char *text)
{
	const char *p = text, *nl;
	int st = PINENTRY_MORE;

	while (st == PINENTRY_MORE && (nl = strchr(p, '\n')) != NULL) {
		st = pinentry_line(r, (const uint8_t *)p, (size_t)(nl - p));
		p = nl + 1;
	}
	return st;
}

/* A response holder with a PIN buffer of exactly ${cap} + 1 bytes. */
static void
resp_new(struct pinentry_resp *r, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->pin = sodium_malloc(cap + 1);
	r->cap = cap;
}

static int
pin_is(const struct pinentry_resp *r, const char *want)
{
	return r->len == strlen(want) && memcmp(r->pin, want, r->len) == 0 &&
	    r->pin[r->len] == '\0';
}

static void
test_decoder(void)
{
	struct pinentry_resp r;

	resp_new(&r, 64);
	T(feed(&r, "D p%25ss 100%25%0A word\nOK\n") == PINENTRY_OK &&
	    pin_is(&r, "p%ss 100%\n word"), "D line: %%25, %%0A, raw space");
	sodium_free(r.pin);
	resp_new(&r, 64);
	T(feed(&r, "S SOMETHING x\n# a comment\nD abc\nD %41%0d\nD \nD\n"
	    "D def\nOK closing\n") == PINENTRY_OK && pin_is(&r, "abcA\rdef"),
	    "several D lines concatenate; S, comments, empty D skipped");
	T(r.repeated == 0, "no S PIN_REPEATED: not repeated");
	sodium_free(r.pin);
	resp_new(&r, 64);
	T(feed(&r, "S PIN_REPEATED\nD x\nOK\n") == PINENTRY_OK &&
	    r.repeated == 1 && pin_is(&r, "x"), "S PIN_REPEATED is noted");
	sodium_free(r.pin);
	resp_new(&r, 64);
	T(feed(&r, "S PIN_REPEATEDX\nOK\n") == PINENTRY_OK && r.repeated == 0,
	    "S PIN_REPEATEDX is not PIN_REPEATED");
	T(feed(&r, "ERR 83886179 Operation cancelled <Pinentry>\n") ==
	    PINENTRY_ERR && r.err == PINENTRY_ERR_CANCELED,
	    "ERR 83886179: the cancel code");
	T(feed(&r, "ERR 4294967295\n") == PINENTRY_ERR && r.err == 4294967295UL,
	    "ERR with the largest 32-bit code");
	T(feed(&r, "ERR\n") == PINENTRY_BAD, "ERR without a code is bad");
	T(feed(&r, "ERR x\n") == PINENTRY_BAD, "ERR with a word for a code");
	T(feed(&r, "ERR 4294967296\n") == PINENTRY_BAD, "ERR code over 32 bits");
	T(feed(&r, "ERR 12345678901234567890\n") == PINENTRY_BAD,
	    "ERR code of 20 digits");
	T(feed(&r, "ERR 12x\n") == PINENTRY_BAD, "ERR code with junk");
	T(feed(&r, "OKAY\n") == PINENTRY_BAD, "OKAY is not OK");
	T(feed(&r, "OK\r\n") == PINENTRY_OK, "OK with CR LF");
	T(feed(&r, "INQUIRE PASSPHRASE\n") == PINENTRY_BAD, "INQUIRE is bad");
	T(feed(&r, "\n") == PINENTRY_BAD, "an empty line is bad");
	T(feed(&r, "Dx\n") == PINENTRY_BAD, "Dx is not a D line");
	sodium_free(r.pin);
}

static void
test_decoder_bad(void)
{
	struct pinentry_resp r;

	resp_new(&r, 64);
	T(feed(&r, "D %\n") == PINENTRY_BAD, "a lone %% is bad");
	T(feed(&r, "D ab%4\n") == PINENTRY_BAD, "%% with one hex digit");
	T(feed(&r, "D %zz\n") == PINENTRY_BAD, "%% with non-hex digits");
	sodium_free(r.pin);
	resp_new(&r, 4);
	T(feed(&r, "D abcd\nOK\n") == PINENTRY_OK && pin_is(&r, "abcd"),
	    "exactly cap bytes fit");
	sodium_free(r.pin);
	resp_new(&r, 4);
	T(feed(&r, "D ab\nD c%25d\nOK\n") == PINENTRY_LONG,
	    "one byte too many across D lines is too long");
	sodium_free(r.pin);
	memset(&r, 0, sizeof(r));
	T(feed(&r, "D secret\nOK\n") == PINENTRY_BAD,
	    "a D line where none is expected is bad");
}

static void
test_escape(void)
{
	uint8_t all[256], *back;
	struct pinentry_resp r;
	char out[1024], line[1030];
	size_t i, n;

	n = pinentry_escape((const uint8_t *)"a%b\nc\r d", 8, out, sizeof(out));
	T(n == 14 && strcmp(out, "a%25b%0Ac%0D d") == 0, "escape %%, LF, CR");
	n = pinentry_escape((const uint8_t *)"%%", 2, out, 5);
	T(n == 3 && strcmp(out, "%25") == 0, "truncation never splits an escape");
	n = pinentry_escape((const uint8_t *)"abc", 3, out, 1);
	T(n == 0 && out[0] == '\0', "cap 1 gives the empty string");
	for (i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	n = pinentry_escape(all, 256, out, sizeof(out));
	(void)snprintf(line, sizeof(line), "D %s", out);
	resp_new(&r, 256);
	back = r.pin;
	T(pinentry_line(&r, (const uint8_t *)line, strlen(line)) ==
	    PINENTRY_MORE && r.len == 256 && memcmp(back, all, 256) == 0 &&
	    strchr(out, '\n') == NULL && strchr(out, '\r') == NULL,
	    "every byte survives escape and decode; no raw CR or LF");
	sodium_free(r.pin);
}

/* --- whole sessions with fake pinentry programs --------------------- */

static char dir[] = "/tmp/tacit-pinentry.XXXXXX";

/* Write an executable sh script; its path in ${path}. */
static void
script(char *path, size_t cap, const char *name, const char *body)
{
	FILE *f;

	(void)snprintf(path, cap, "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return;
	fprintf(f, "#!/bin/sh\nlog=%s/%s.log\n%s", dir, name, body);
	fclose(f);
	(void)chmod(path, 0700);
}

/* The fake: greets, logs every command, answers GETPIN from $pins. */
static const char fake_loop[] =
"echo 'OK Pleased to meet you'\n"
"n=0\n"
"while IFS= read -r line; do\n"
"  printf '%s\\n' \"$line\" >>\"$log\"\n"
"  case $line in\n"
"  GETPIN) n=$((n + 1)); answer $n ;;\n"
"  BYE) echo 'OK closing connection'; exit 0 ;;\n"
"  *) echo OK ;;\n"
"  esac\n"
"done\n";

static int
session(const char *name, const char *answer, int confirm, uint8_t **pw,
    size_t *len)
{
	char path[256], body[2048];

	(void)snprintf(body, sizeof(body), "answer() {\n%s\n}\n%s", answer,
	    fake_loop);
	script(path, sizeof(path), name, body);
	return pinentry_getpin(path, "Passphrase for repository /r/100%\nx",
	    confirm, pw, len);
}

/* Did the fake's log hold ${s}? */
static int
logged(const char *name, const char *s)
{
	char path[256], buf[8192];
	size_t n;
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s.log", dir, name);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, s) != NULL;
}

static void
test_sessions(void)
{
	uint8_t *pw = NULL;
	size_t len = 0;

	T(session("one", "echo 'D p%25ss'; echo 'D word'; echo OK", 0, &pw,
	    &len) == 0 && len == 8 && memcmp(pw, "p%ssword", 8) == 0,
	    "a session: the PIN from two D lines");
	secmem_free(pw);
	T(logged("one", "SETDESC Passphrase for repository /r/100%25%0Ax\n") &&
	    logged("one", "SETTITLE tacit") && logged("one", "GETPIN") &&
	    logged("one", "OPTION lc-ctype=") && logged("one", "BYE"),
	    "it sends OPTIONs, SETTITLE, an escaped SETDESC, GETPIN, BYE");
	T(!logged("one", "allow-external-password-cache") &&
	    !logged("one", "SETKEYINFO") && !logged("one", "SETREPEAT"),
	    "nothing that asks for caching; no SETREPEAT without confirm");
	T(session("rep", "echo 'S PIN_REPEATED'; echo 'D twice'; echo OK", 1,
	    &pw, &len) == 0 && len == 5 && logged("rep", "SETREPEAT"),
	    "confirm: SETREPEAT, and S PIN_REPEATED ends it");
	secmem_free(pw);
	T(session("again", "echo 'D same'; echo OK", 1, &pw, &len) == 0 &&
	    len == 4 && logged("again", "SETPROMPT Repeat:"),
	    "confirm without S PIN_REPEATED: a second GETPIN that matches");
	secmem_free(pw);
	pw = NULL;
	T(session("differ", "echo \"D pw$1\"; echo OK", 1, &pw, &len) ==
	    PINENTRY_EFAIL && pw == NULL, "two different answers fail");
	T(session("cancel", "echo 'ERR 83886179 Operation cancelled'", 0,
	    &pw, &len) == PINENTRY_EFAIL && pw == NULL,
	    "cancel fails without a fall-back");
	T(session("empty", "echo OK", 0, &pw, &len) == PINENTRY_EFAIL,
	    "an empty passphrase fails");
	T(session("weird", "echo 'ERR 83886339 No terminal'", 0, &pw, &len) ==
	    PINENTRY_ENOSTART, "another ERR at GETPIN may fall back");
	T(session("junk", "echo 'D %zz'; echo OK", 0, &pw, &len) ==
	    PINENTRY_ENOSTART && pw == NULL, "a bad escape: no passphrase");
	T(session("dies", "exit 3", 0, &pw, &len) == PINENTRY_ENOSTART,
	    "a pinentry that dies at GETPIN may fall back");
	T(pinentry_getpin("/nonexistent/pinentry", "d", 0, &pw, &len) ==
	    PINENTRY_ENOSTART, "a missing program may fall back");
}

static void
test_split(void)
{
	const char *why = NULL;
	char **v;

	v = subproc_split("  keepassxc-cli show  -s 'a b' \"c \\\"d\\\\\" e\\ f"
	    " '' x\"y\"z ", &why);
	T(v != NULL && strcmp(v[0], "keepassxc-cli") == 0 &&
	    strcmp(v[1], "show") == 0 && strcmp(v[2], "-s") == 0 &&
	    strcmp(v[3], "a b") == 0 && strcmp(v[4], "c \"d\\") == 0 &&
	    strcmp(v[5], "e f") == 0 && strcmp(v[6], "") == 0 &&
	    strcmp(v[7], "xyz") == 0 && v[8] == NULL,
	    "split: blanks, quotes, escapes, an empty word; no expansion");
	free(v);
	v = subproc_split("printf '%s\\n' $HOME *", &why);
	T(v != NULL && strcmp(v[1], "%s\\n") == 0 &&
	    strcmp(v[2], "$HOME") == 0 && strcmp(v[3], "*") == 0,
	    "split: no variables, no globbing");
	free(v);
	T(subproc_split("cat 'x", &why) == NULL && why != NULL,
	    "split: an open quote is refused");
	T(subproc_split("cat x\\", &why) == NULL, "split: a trailing backslash");
	T(subproc_split(" \t ", &why) == NULL, "split: nothing is refused");
}

static void
test_weak(void)
{
	T(passphrase_weak((const uint8_t *)"Sh0rt!", 6) != NULL,
	    "weak: fewer than 12 characters");
	T(passphrase_weak((const uint8_t *)"aaaaaaaaaaaaaaaaaaaaaaaa", 24) !=
	    NULL, "weak: one character repeated");
	T(passphrase_weak((const uint8_t *)"abcdefghijklm", 13) != NULL,
	    "weak: one kind of character, shorter than 20");
	T(passphrase_weak((const uint8_t *)"Abcdefghijk1", 12) == NULL,
	    "not weak: 12 characters of 3 kinds");
	T(passphrase_weak((const uint8_t *)"correct horse battery staple",
	    28) == NULL, "not weak: a long passphrase of words");
	T(passphrase_weak((const uint8_t *)"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9" "Ab1", 15) != NULL,
	    "characters, not bytes: 9 characters in 15 bytes are too few");
}

int
main(void)
{
	char cmd[64];

	t_init();
	test_decoder();
	test_decoder_bad();
	test_escape();
	test_split();
	test_weak();
	if (mkdtemp(dir) == NULL) {
		printf("not ok - mkdtemp\n");
		return 1;
	}
	test_sessions();
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
	return t_exit();
}

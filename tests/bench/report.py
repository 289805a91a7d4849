#!/usr/bin/python3
"""report.py DIR: the markdown report of one `make bench` run (stdlib only).

DIR holds what tests/bench/bench.sh wrote: meta (key=value), peers.tsv,
verify.tsv, limits.tsv, scale.tsv, scale-sets.tsv, privsep.md, unlock.md,
prune.tsv, mount.tsv, parity.md, copy.md.
Every figure is the median of the runs; MB = 10^6 bytes, MiB = 2^20.
"""
import os
import statistics
import sys
from collections import defaultdict

d = sys.argv[1]


def lines(name):
    p = os.path.join(d, name)
    if not os.path.exists(p):
        return []
    with open(p) as f:
        return [ln.rstrip("\n").split("\t") for ln in f if ln.strip()]


meta = {}
for ln in open(os.path.join(d, "meta")):
    if "=" in ln:
        k, v = ln.rstrip("\n").split("=", 1)
        meta[k] = v

STEPS = [("init", "init"), ("full", "first backup"),
         ("nochange", "unchanged backup"), ("change", "backup after a small change"),
         ("restore", "restore (tmpfs)"), ("check", "check --read-data")]

# runs[(tool, ds, step)] = [dict(wall, cpu, rss, repo, rc, rep)]
runs = defaultdict(list)
for r in lines("peers.tsv"):
    tool, ds, rep, step, wall, user, sys_, rss, repo, rc = r[:10]
    runs[(tool, ds, step)].append({
        "rep": int(rep), "wall": float(wall), "cpu": float(user) + float(sys_),
        "rss": int(rss) / 1024, "repo": int(repo), "rc": int(rc)})

tools = []
dsets = meta.get("datasets", "").split()
for (tool, ds, step) in runs:
    if tool not in tools:
        tools.append(tool)
order = meta.get("tools", "").split()
tools.sort(key=lambda t: (t != "tacit", order.index(t) if t in order else 99, t))
peers = [t for t in tools if t != "tacit"]


def ok(tool, ds, step):
    return [x for x in runs.get((tool, ds, step), []) if x["rc"] == 0]


def med(tool, ds, step, key):
    xs = ok(tool, ds, step)
    return statistics.median(x[key] for x in xs) if xs else None


def repo_at(tool, ds, step, rep):
    for x in ok(tool, ds, step):
        if x["rep"] == rep:
            return x["repo"]
    return None


def added(tool, ds, step, before):
    """median over runs of the bytes STEP added to the repository"""
    v = []
    for x in ok(tool, ds, step):
        b = repo_at(tool, ds, before, x["rep"])
        if b is not None:
            v.append(x["repo"] - b)
    return statistics.median(v) if v else None


def f(v, nd=2):
    return "–" if v is None else f"{v:.{nd}f}"


def size(b):
    if b is None:
        return "–"
    a = abs(b)
    if a >= 1e9:
        return f"{b / 1e9:.2f} GB"
    if a >= 1e6:
        return f"{b / 1e6:.1f} MB"
    if a >= 1e3:
        return f"{b / 1e3:.1f} kB"
    return f"{b:.0f} B"


def ratio(a, b):
    return None if a is None or not b else a / b


def dbytes(ds):
    v = meta.get(f"bytes.{ds}")
    return int(v) if v else None


# load.tsv (bench.sh's settle): label, load before the wait, load at the
# start of the step, seconds waited, outcome; one row a timed step
loads = []
for r in lines("load.tsv"):
    try:
        loads.append((r[0], float(r[1]), float(r[2]), int(r[3]), r[4]))
    except (IndexError, ValueError):
        pass
qmax = float(meta.get("quiet_load", "0.2"))
loaded = [x for x in loads if x[2] >= qmax]
reps_n = int(meta.get("reps", "0") or 0)

out = []
P = out.append
P(f"# tacit benchmark, run {meta.get('stamp')}")
P("")
why = []
if loaded:
    gave = sorted({x[4] for x in loaded})
    why.append(f"{len(loaded)} of {len(loads)} timed steps started with the "
               f"1-minute load average at or above {qmax:g} (highest "
               f"{max(x[2] for x in loaded):.2f}; the wait ended: {', '.join(gave)})")
if not loads:
    why.append("the load before each step was not recorded")
if reps_n < 3:
    why.append(f"{reps_n} run(s) a step, fewer than 3")
if why:
    P("**Taken under load or with too few runs: " + "; ".join(why) +
      ". Its ratios are not evidence for the targets (issue #20); "
      "the CPU times are less disturbed than the wall times.**")
else:
    P(f"Quiet machine: every one of {len(loads)} timed steps started with the "
      f"1-minute load average under {qmax:g} (waited "
      f"{meta.get('quiet_spent_s', '?')} s in all), {reps_n} runs a step, "
      "tools interleaved: the ratios are evidence for the targets.")
P("")
P(f"- date: {meta.get('date')}; took {int(meta.get('elapsed_s', 0)) // 60} min  ")
P(f"- machine: {meta.get('cpu')}, {meta.get('mem')} RAM, {meta.get('host')}, "
  f"data on {meta.get('fs')}; restores to {meta.get('restore_fs')}  ")
P(f"- load average at start / end: {meta.get('load_start')} / {meta.get('load_end')} "
  "(other work on the machine inflates every figure)  ")
if loads:
    ls = sorted(x[2] for x in loads)
    P(f"- 1-minute load average at the start of the {len(loads)} timed steps: "
      f"median {statistics.median(ls):.2f}, highest {ls[-1]:.2f}; each step waited "
      f"for it to fall under {qmax:g} for at most {meta.get('quiet_wait')} s "
      f"(in all at most {meta.get('quiet_budget')} s; waited "
      f"{meta.get('quiet_spent_s', '?')} s)  ")
P(f"- runs: {meta.get('reps')} per step ({meta.get('check_reps', '1')} for check --read-data, "
  "1 for tacit's data-path backup), medians; the tools alternate run by run, "
  "each run in its own empty HOME, XDG dirs and TMPDIR and a new repository  ")
for k, v in meta.items():
    if k.startswith("version."):
        P(f"- {k[8:]}: `{v}`  ")
P(f"- tacit: zstd level {meta.get('zstd_level')}, chunks 256 KiB / 1 MiB / 4 MiB "
  "(min / average / max), default Argon2id key slot unless stated")
P("")

if dsets:
    P("| data set | files | bytes | recipe |")
    P("|---|---:|---:|---|")
    for ds in dsets:
        P(f"| {ds} | {meta.get('files.' + ds, '?')} | {size(dbytes(ds))} | "
          f"{meta.get('dataset.' + ds, '')} |")
    P("")

# ------------------------------------------------------------- targets
if runs and "tacit" in tools and peers:
    P("## Against the targets of issue #20")
    P("")
    P("Ratios of medians, tacit / peer (below 1: tacit is faster or smaller). "
      "Only a quiet run (see the header) is evidence.")
    P("")
    P("| data set | target | tacit | peer | ratio | met |")
    P("|---|---|---:|---:|---:|---|")

    def target(ds, what, step, peer, limit, key="wall", unit="s"):
        a, b = med("tacit", ds, step, key), med(peer, ds, step, key)
        r = ratio(a, b)
        met = "–" if r is None else ("yes" if r <= limit else "**no**")
        P(f"| {ds} | {what} ≤ {limit} × {peer} | {f(a)} {unit} | {f(b)} {unit} | "
          f"{f(r)} | {met} |")

    for ds in dsets:
        many = ds not in ("random", "vmimage")   # many files or one large
        if "restic" in peers:
            target(ds, "first backup", "full", "restic", 0.5 if many else 0.67)
        if "borg-lz4" in peers:
            target(ds, "first backup", "full", "borg-lz4", 0.33 if many else 0.5)
        if "restic" in peers:
            target(ds, "unchanged backup", "nochange", "restic", 0.5)
            target(ds, "restore", "restore", "restic", 0.5)
            target(ds, "peak RSS of the first backup", "full", "restic", 1.0,
                   "rss", "MiB")
            a = med("tacit", ds, "full-kdf64", "rss")
            b = med("restic", ds, "full", "rss")
            r = ratio(a, b)
            P(f"| {ds} | the same, data path only (KDF at 64 MiB) ≤ 1 × restic | "
              f"{f(a)} MiB | {f(b)} MiB | {f(r)} | "
              f"{'–' if r is None else ('yes' if r <= 1 else '**no**')} |")
            a = med("tacit", ds, "full", "repo")
            b = med("restic", ds, "full", "repo")
            r = ratio(a, b)
            P(f"| {ds} | repository size within 5 % of restic | {size(a)} | {size(b)} | "
              f"{f(r, 3)} | {'–' if r is None else ('yes' if r <= 1.05 else '**no**')} |")
    P("")

# ------------------------------------------------------------- per data set
for ds in dsets:
    if not any(k[1] == ds for k in runs):
        continue
    P(f"## {ds}: {meta.get('files.' + ds, '?')} files, {size(dbytes(ds))}")
    P("")
    dl = sorted(x[2] for x in loads if x[0].split(":")[2:3] == [ds])
    if dl:
        n = sum(1 for x in dl if x >= qmax)
        P(f"Load average at the start of its {len(dl)} timed steps: median "
          f"{statistics.median(dl):.2f}, highest {dl[-1]:.2f}"
          + (f"; **{n} at or above {qmax:g}**." if n else "."))
        P("")
    P("Each cell: wall seconds / CPU seconds (user + sys) / peak RSS MiB "
      "(`/usr/bin/time -v`; for tacit the larger of keyholder and worker). "
      "Ratio columns: tacit / peer, wall and CPU.")
    P("")
    P("| step | " + " | ".join(tools) + " | " +
      " | ".join(f"tacit / {p}" for p in peers) + " |")
    P("|---|" + "---:|" * (len(tools) + len(peers)))
    for step, label in STEPS:
        cells = []
        for t in tools:
            w = med(t, ds, step, "wall")
            bad = len(runs.get((t, ds, step), [])) - len(ok(t, ds, step))
            c = "–" if w is None else \
                f"{w:.2f} / {med(t, ds, step, 'cpu'):.2f} / {med(t, ds, step, 'rss'):.0f}"
            if bad:
                c += f" ({bad} failed)"
            cells.append(c)
        for p in peers:
            rw = ratio(med("tacit", ds, step, "wall"), med(p, ds, step, "wall"))
            rc = ratio(med("tacit", ds, step, "cpu"), med(p, ds, step, "cpu"))
            cells.append("–" if rw is None else f"{rw:.2f} (CPU {f(rc)})")
        P(f"| {label} | " + " | ".join(cells) + " |")
    if ok("tacit", ds, "full-kdf64"):
        cells = [f"{med('tacit', ds, 'full-kdf64', 'wall'):.2f} / "
                 f"{med('tacit', ds, 'full-kdf64', 'cpu'):.2f} / "
                 f"{med('tacit', ds, 'full-kdf64', 'rss'):.0f}"]
        cells += ["" for _ in tools[1:]]
        for p in peers:
            rw = ratio(med("tacit", ds, "full-kdf64", "wall"), med(p, ds, "full", "wall"))
            cells.append("–" if rw is None else f"{rw:.2f}")
        P("| first backup, tacit's KDF at 64 MiB (data path; 1 run) | " +
          " | ".join(cells) + " |")
    P("")
    P("| tool | repository after first backup | added by unchanged backup | "
      "added by the change | repository / data | tacit size / tool | restore verified |")
    P("|---|---:|---:|---:|---:|---:|---|")
    ver = {(r[0], r[1]): int(r[2]) for r in lines("verify.tsv")}
    for t in tools:
        full = med(t, ds, "full", "repo")
        v = ver.get((t, ds))
        vs = "not run" if v is None else ("identical" if v == 0 else
                                           f"**{v} differences**")
        P(f"| {t} | {size(full)} | {size(added(t, ds, 'nochange', 'full'))} | "
          f"{size(added(t, ds, 'change', 'nochange'))} | "
          f"{f(ratio(full, dbytes(ds)), 3)} | "
          f"{f(ratio(med('tacit', ds, 'full', 'repo'), full), 3)} | {vs} |")
    P("")

# ------------------------------------------------------------- memory
if any(k[0] == "tacit" for k in runs):
    P("## Peak memory")
    P("")
    P("Users see tacit's peak RSS as the Argon2id memory of its key slot (512 MiB by "
      "default) in the keyholder while it unlocks; the data path (the worker's walk, "
      "chunker, compression and index, and the keyholder's id and seal service) "
      "needs much less. 'Data path' is the first backup into a repository whose key slot "
      "uses the 64 MiB floor (`init --kdf-memory 64 --kdf-iterations 1`): still the "
      "larger of the two processes, so it is an upper bound of the data path, and "
      "at ~64 MiB it may still be the KDF's.")
    P("")
    P("| data set | tacit, as users see it | tacit, data path | " +
      " | ".join(peers) + " |")
    P("|---|---:|---:|" + "---:|" * len(peers))
    for ds in dsets:
        P(f"| {ds} | {f(med('tacit', ds, 'full', 'rss'), 0)} MiB | "
          f"{f(med('tacit', ds, 'full-kdf64', 'rss'), 0)} MiB | " +
          " | ".join(f"{f(med(p, ds, 'full', 'rss'), 0)} MiB" for p in peers) + " |")
    P("")
    P("Index memory (src/index.h): 52 bytes a slot in an open-addressing table kept "
      "between a quarter and half full, so 104 to 208 bytes per blob: a million 1 MiB "
      "chunks (1 TiB) take 104 or 208 MiB. A backup holds two tables, the repository's "
      "and the one for the blobs it adds (which is also its record of what it queued). "
      "A file under the 256 KiB minimum chunk size is one blob, so the Linux tree "
      "(78,579 files, about 85,000 blobs) needs a table of 262,144 slots, 13 MiB. Memory does not "
      "grow with the size of a file: a file is read, cut and sealed in bounded buffers.")
    P("")

# ------------------------------------------------------------- limits
lim = defaultdict(dict)
for r in lines("limits.tsv"):
    ds, kernel = r[0], r[1]
    if kernel.startswith("chunker-") and kernel != "chunker-stream":
        lim[ds]["chunker-impl"] = [kernel[8:]]
        kernel = "chunker"
    elif kernel.startswith("zstd-"):
        kernel = "zstd"
    lim[ds][kernel] = r[2:]
if lim:
    lvl = meta.get("zstd_level")
    P("## What one core can do, and how close tacit comes")
    P("")
    P("Per core (pinned with taskset), median of the runs; MB/s of input bytes. "
      "read: every file of the data set from the page cache (1 MiB reads); the other "
      f"stages on the first {meta.get('limits_mib')} MiB of the data set loaded into memory, cut by tacit's own "
      f"chunker (files under 256 KiB are one chunk, as in tacit), zstd -{lvl} on each chunk, "
      "keyed BLAKE2b-256 of each chunk (the id), XChaCha20-Poly1305 of each compressed "
      "chunk (the seal); chunker: file by file as tacit cuts (files under the minimum "
      "are one chunk and not scanned), in brackets the whole sample as one stream "
      f"({lim[next(iter(lim))].get('chunker-impl', ['?'])[0]} implementation). Ideal = one byte through every stage, 1 / Σ(1 / rate); two cores "
      "can at best double it. tacit: data-set bytes / wall time of the first backup.")
    P("")
    P(f"| data set | read | chunker (stream) | BLAKE2b | zstd -{lvl} (ratio) | XChaCha20-Poly1305 | "
      "ideal 1 core | ideal 2 cores | tacit | tacit, data path | data path / ideal 2 cores |")
    P("|---|" + "---:|" * 10)
    for ds in dsets:
        L = lim.get(ds)
        if not L:
            continue
        try:
            rd = float(L["read"][3])
            ch = float(L["chunker"][3])
            cs = float(L["chunker-stream"][3])
            bl = float(L["blake2b-keyed"][3])
            zs = float(L["zstd"][3])
            zr = int(L["zstd"][0]) / max(1, int(L["zstd"][1]))
            xc = float(L["xchacha20poly1305"][3])
        except (KeyError, ValueError, IndexError):
            continue
        ideal = 1 / sum(1 / x for x in (rd, ch, bl, zs, xc))
        b = dbytes(ds)
        tw = med("tacit", ds, "full", "wall")
        kw = med("tacit", ds, "full-kdf64", "wall")
        tm = b / tw / 1e6 if (b and tw) else None
        km = b / kw / 1e6 if (b and kw) else None
        chs = f"{ch:.0f}" if ch < 100000 else "not scanned"
        P(f"| {ds} | {rd:.0f} | {chs} ({cs:.0f}) | {bl:.0f} | {zs:.0f} ({zr:.2f}) | {xc:.0f} | "
          f"{ideal:.0f} | {2 * ideal:.0f} | {f(tm, 0)} | {f(km, 0)} | "
          f"{'–' if km is None else f'{100 * km / (2 * ideal):.0f} %'} |")
    P("")

# ------------------------------------------------------------- privsep, unlock
for name, title in (("privsep.md", "Cost of privilege separation"),
                    ("unlock.md", "Unlock time"),
                    ("parity.md", "Parity: speed and space"),
                    ("copy.md", "Copy to a second repository")):
    p = os.path.join(d, name)
    if os.path.exists(p) and os.path.getsize(p) > 0:
        P(f"## {title}")
        P("")
        P(open(p).read().strip())
        P("")

# ------------------------------------------------------------- scaling
sc = defaultdict(list)
for r in lines("scale.tsv"):
    tool, label, rep, step, wall, user, sys_, rss, repo, rc = r[:10]
    if rc == "0":
        sc[(label, step)].append((float(wall), float(user) + float(sys_), int(rss) / 1024))
sets = {}
for r in lines("scale-sets.tsv"):
    sets[r[0]] = (int(r[1]), int(r[2]))


def smed(label, step, i):
    v = sc.get((label, step))
    return statistics.median(x[i] for x in v) if v else None


if sets:
    P("## How backup time grows")
    P("")
    P("tacit only, each set in a new repository (key slot at the 64 MiB floor so the "
      "KDF does not hide the trend), first backup and unchanged backup. Linear growth "
      "shows as a constant marginal cost: the extra time per extra file (or GB) from one "
      "set to the next, which leaves out the fixed cost of a run (start, unlock, "
      "snapshot).")
    P("")
    for kind, unit, per in (("files", "µs / file", lambda n, b: n),
                            ("bytes", "s / GB", lambda n, b: b / 1e9)):
        labels = sorted((l for l in sets if l.startswith(kind + "-")),
                        key=lambda l: sets[l])
        if not labels:
            continue
        P(f"| set | files | bytes | first backup s | CPU s | peak RSS MiB | {unit} | "
          f"marginal {unit} | unchanged s | {unit} | marginal {unit} |")
        P("|---|" + "---:|" * 10)
        prev = None
        scale = 1e6 if kind == "files" else 1
        nd = 1 if kind == "files" else 2
        for l in labels:
            n, b = sets[l]
            u = per(n, b)
            fw, nw = smed(l, "full", 0), smed(l, "nochange", 0)
            uf = fw / u * scale if fw else None
            un = nw / u * scale if nw else None
            mf = mn = None
            if prev and fw and nw and prev[1] and prev[2] and u > prev[0]:
                mf = (fw - prev[1]) / (u - prev[0]) * scale
                mn = (nw - prev[2]) / (u - prev[0]) * scale
            prev = (u, fw, nw)
            P(f"| {l} | {n} | {size(b)} | {f(fw)} | {f(smed(l, 'full', 1))} | "
              f"{f(smed(l, 'full', 2), 0)} | {f(uf, nd)} | {f(mf, nd)} | {f(nw)} | "
              f"{f(un, nd)} | {f(mn, nd)} |")
        P("")

# ------------------------------------------------------------- prune
pr = {}
for r in lines("prune.tsv"):
    tool, ds, rep, step, wall, user, sys_, rss, repo, rc = r[:10]
    pr[(tool, ds, step)] = {"wall": float(wall), "cpu": float(user) + float(sys_),
                            "rss": int(rss) / 1024, "repo": int(repo), "rc": int(rc)}
if pr:
    P("## Forget and prune")
    P("")
    P("Per data set and tool, one run: ten backups of the data set plus a 16 MiB "
      "churn file of new random data each time (the data set's small change applied "
      "and reverted in turn), then `forget --keep-last 3` with prune (tacit: "
      "`forget --keep-last 3 --prune`, restic: the same, borg: `prune --keep-last 3` "
      "then `compact`). tacit's key slot is at the 64 MiB floor. Goal (issue #16): "
      "faster than restic, peak RSS at or under restic's, size after within 5 %.")
    P("")
    P("| data set | tool | repository before | prune s | CPU s | peak RSS MiB | "
      "repository after | freed | time / restic | RSS / restic | size / restic |")
    P("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    ptools = sorted({k[0] for k in pr}, key=lambda t: (t != "tacit", t))
    for ds in sorted({k[1] for k in pr}):
        rs = pr.get(("restic", ds, "prune"))
        for t in ptools:
            x = pr.get((t, ds, "prune"))
            b = pr.get((t, ds, "backup10"))
            if x is None:
                continue
            if x["rc"] != 0:
                P(f"| {ds} | {t} | {size(b and b['repo'])} | failed ({x['rc']}) "
                  "| | | | | | | |")
                continue
            ok_rs = rs if rs and rs["rc"] == 0 else None
            P(f"| {ds} | {t} | {size(b and b['repo'])} | {f(x['wall'])} | "
              f"{f(x['cpu'])} | {f(x['rss'], 0)} | {size(x['repo'])} | "
              f"{size(b['repo'] - x['repo'] if b else None)} | "
              f"{f(ratio(x['wall'], ok_rs and ok_rs['wall']))} | "
              f"{f(ratio(x['rss'], ok_rs and ok_rs['rss']))} | "
              f"{f(ratio(x['repo'], ok_rs and ok_rs['repo']))} |")
    P("")

# ------------------------------------------------------------- mount
mt = {}
mnone = set()
for r in lines("mount.tsv"):
    tool, ds, step, wall, rss, rc = r[:6]
    if step == "none":
        mnone.add(tool)
        continue
    mt[(tool, ds, step)] = {"wall": float(wall), "rss": int(rss) / 1024,
                            "rc": int(rc)}
if mt or mnone:
    P("## Mount")
    P("")
    P("Each data set backed up alone, then per step a fresh mount (tacit "
      "mount, restic mount, borg mount -f) and the step on it: `ls -lR` and "
      "`tar -c` (piped to /dev/null) of the tree, `cat` of the file; "
      "\"mount\" is the time until the mount shows the data set (tacit: "
      "unlock at the 64 MiB floor included). Peak RSS: VmHWM of the serving "
      "processes summed (tacit: keyholder, worker and keeper; the keyholder's "
      "share is mostly its Argon2id unlock at the 64 MiB slot). Goal (issue "
      "#17): under half of restic's time, RSS under restic's.")
    P("")
    for t in sorted(mnone):
        P(f"- {t} mount not run: neither llfuse nor pyfuse3 is installed.")
    if mnone:
        P("")
    P("| data set | step | tool | seconds | serving peak RSS MiB | "
      "time / restic | RSS / restic |")
    P("|---|---|---|---:|---:|---:|---:|")
    mtools = sorted({k[0] for k in mt}, key=lambda t: (t != "tacit", t))
    msteps = ["mount", "ls", "tar", "cat"]
    for ds in sorted({k[1] for k in mt}):
        for st in msteps:
            rs = mt.get(("restic", ds, st))
            ok_rs = rs if rs and rs["rc"] == 0 else None
            for t in mtools:
                x = mt.get((t, ds, st))
                if x is None:
                    continue
                if x["rc"] != 0:
                    P(f"| {ds} | {st} | {t} | failed ({x['rc']}) | | | |")
                    continue
                P(f"| {ds} | {st} | {t} | {f(x['wall'])} | {f(x['rss'], 0)} | "
                  f"{f(ratio(x['wall'], ok_rs and ok_rs['wall']))} | "
                  f"{f(ratio(x['rss'], ok_rs and ok_rs['rss']))} |")
    P("")

print("\n".join(out))

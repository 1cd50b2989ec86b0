#!/usr/bin/env python3
# prom_check.py FILE [JOB-ID] - check FILE against the Prometheus text
# exposition format (0.0.4) as a scraper reads it: every line a comment
# (# HELP / # TYPE, at most one of each per family, TYPE before the
# family's samples), a blank line, or a sample `name{l="v",...} value`
# with a valid metric name, label names, escaped label values and a float
# value; a family's samples together; no sample twice.  Then that the
# families of the monitor are there (and JOB-ID's per-job gauges).
# Prints what is wrong; exit status 1 when anything is.
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def parse_value(v):
    if v in ("+Inf", "-Inf", "NaN"):
        return True
    try:
        float(v)
        return True
    except ValueError:
        return False


def parse_sample(line):
    m = NAME.match(line)
    if not m:
        return None
    name, rest = m.group(0), line[m.end():]
    labels = []
    if rest.startswith("{"):
        rest = rest[1:]
        while not rest.startswith("}"):
            lm = LABEL.match(rest)
            if not lm:
                return None
            labels.append((lm.group(1), lm.group(2)))
            rest = rest[lm.end():]
            if rest.startswith(","):
                rest = rest[1:]
            elif not rest.startswith("}"):
                return None
        rest = rest[1:]
    parts = rest.split()
    if not rest.startswith(" ") or len(parts) not in (1, 2) or not parse_value(parts[0]):
        return None
    if len(labels) != len({k for k, _ in labels}):
        return None
    return name, tuple(sorted(labels))


def family_of(name, types):
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[: -len(suffix)] if name.endswith(suffix) else None
        if base and types.get(base) in ("histogram", "summary"):
            return base
    return name


def main():
    text = open(sys.argv[1]).read()
    job = sys.argv[2] if len(sys.argv) > 2 else None
    errors, types, helps, seen, done, current = [], {}, set(), set(), set(), None
    for n, line in enumerate(text.split("\n"), 1):
        if line == "":
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                fam = parts[2]
                if not NAME.fullmatch(fam):
                    errors.append("%d: bad family name %r" % (n, fam))
                if parts[1] == "TYPE":
                    if fam in types or len(parts) != 4 or parts[3] not in TYPES:
                        errors.append("%d: bad or second TYPE for %s" % (n, fam))
                    if fam in done or fam == current:
                        errors.append("%d: TYPE of %s after its samples" % (n, fam))
                    types[fam] = parts[3] if len(parts) == 4 else None
                else:
                    if fam in helps:
                        errors.append("%d: second HELP for %s" % (n, fam))
                    helps.add(fam)
            continue
        s = parse_sample(line)
        if not s:
            errors.append("%d: not a sample: %r" % (n, line))
            continue
        fam = family_of(s[0], types)
        if fam != current:
            if fam in done:
                errors.append("%d: samples of %s are not together" % (n, fam))
            if current:
                done.add(current)
            current = fam
        if s in seen:
            errors.append("%d: sample twice: %r" % (n, line))
        seen.add(s)
    names = {s[0] for s in seen}
    for want in ("joblet_node_cpus", "joblet_node_cpu_usage_percent", "joblet_node_load",
                 "joblet_node_memory_bytes", "joblet_node_disk_bytes", "joblet_scheduler_used",
                 "joblet_scheduler_total", "joblet_jobs"):
        if want not in names:
            errors.append("no %s" % want)
        elif want not in types:
            errors.append("no TYPE for %s" % want)
    if job:
        for want in ("joblet_job_cpu_percent", "joblet_job_memory_bytes"):
            if not any(s[0] == want and ("id", job) in s[1] for s in seen):
                errors.append("no %s of job %s" % (want, job))
    for e in errors:
        print(e)
    print("%d samples, %d families, %d problems" % (len(seen), len(types), len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Per-second CPU of the hub, the load generator and PostgreSQL, and how busy the whole machine is.

usage: scripts/cpu_sampler.py HUB_PID OUT_FILE
Writes one line per second, `t hub loadgen postgres other machine`, each in % of one core (machine:
% of all cores × number of cores, so 200 is a fully busy 2-core machine), until the hub exits.
Processes are grouped by name from /proc: `postgres` processes, `hive` processes other than the hub
(the load generator), and everything else. Used by scripts/scale.sh to tell bursts from load.
"""
import os
import sys
import time

HUB = int(sys.argv[1])
TICK = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1


def process_ticks():
    """CPU ticks (user + system) of every live process, by pid, with its name."""
    ticks = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        ticks[int(entry)] = (name, int(fields[11]) + int(fields[12]))
    return ticks


def group(pid, name):
    if pid == HUB:
        return "hub"
    if name == "postgres":
        return "postgres"
    if name.startswith("hive"):
        return "loadgen"
    return "other"


def machine_ticks():
    with open("/proc/stat") as handle:
        values = list(map(int, handle.readline().split()[1:]))
    return sum(values) - values[3] - values[4], sum(values)


def main():
    out = open(sys.argv[2], "w", buffering=1)
    out.write("t hub loadgen postgres other machine\n")
    previous, (busy, total) = process_ticks(), machine_ticks()
    start = time.monotonic()
    while os.path.exists(f"/proc/{HUB}"):
        time.sleep(1)
        current, (now_busy, now_total) = process_ticks(), machine_ticks()
        sums = {"hub": 0, "loadgen": 0, "postgres": 0, "other": 0}
        for pid, (name, ticks) in current.items():
            # Processes that started this second count from zero; ones that ended are not counted.
            sums[group(pid, name)] += ticks - previous.get(pid, (name, 0))[1]
        machine = (now_busy - busy) * 100 * CORES / max(now_total - total, 1)
        line = " ".join(f"{sums[key] * 100 / TICK:.0f}" for key in ("hub", "loadgen", "postgres", "other"))
        out.write(f"{time.monotonic() - start:.0f} {line} {machine:.0f}\n")
        previous, busy, total = current, now_busy, now_total


if __name__ == "__main__":
    main()

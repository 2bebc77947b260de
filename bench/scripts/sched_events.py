"""Shared by wake-to-run.py and idle-by-waiter.py: reads `perf script -F cpu,time,event,trace` of
the sched tracepoints (bench/scripts/loop-wakes.sh records them)."""
import re

EVENT = re.compile(r'\s*\[(\d+)\]\s+([\d.]+):\s+(\S+):\s+(.*)')
SWITCH = re.compile(r'prev_comm=(.*?) prev_pid=(\d+) .*?prev_state=(\S+) ==> next_comm=(.*?) next_pid=(\d+)')
WAKE = re.compile(r'comm=(.*?) pid=(\d+) prio=\d+ target_cpu=(\d+)')
MIGRATE = re.compile(r'pid=(\d+) prio=\d+ orig_cpu=(\d+) dest_cpu=(\d+)')


def ours(comm):
    """An echo server's loop thread (rawpoll's or NIO's) or the load generator."""
    return comm.startswith('rawpoll-loop') or comm.startswith('nio-selector') or comm == 'loadgen'


def events(path):
    """(cpu, time in s, event name, trace text) per line of the file, in its order."""
    with open(path) as f:
        for line in f:
            m = EVENT.match(line)
            if m:
                yield int(m.group(1)), float(m.group(2)), m.group(3), m.group(4)

#!/usr/bin/env python3
"""Kernel CPU per round trip, by call path and by function, from `Compare --profile` output.

    bench/scripts/kernel-paths.py DIR [DIR...]     (each DIR a --profile-dir of one Compare run)

Reads each profile-*.collapsed (async-profiler, kernel frames marked _[k]) with its .txt summary.
The samples give the split; the scale is the server's CPU per round trip over the same window
(/proc, the .txt's second line), because the sample count alone (1 per ms of CPU, divided by
loadgen's round trips around the window) differs from /proc's figure by up to 20 %. Each kernel
sample goes to the first call path below whose frames its stack holds (so the paths add up to the
kernel total); the "incl." rows overlap. A cell holds one value per DIR, "a / b / c".
On a VM with cpu-clock sampling, time with interrupts off (the wake-up under a socket's wait-queue
lock, a context switch) is charged where they are turned back on: _raw_spin_unlock_irqrestore
under sock_def_readable, finish_task_switch.
"""
import collections, glob, os, re, sys

def has(stack, *names):
    return any(n in stack for n in names)

PATHS = [
    ("softirq: loopback receive (net_rx_action, in any syscall)",
     lambda s: has(s, "net_rx_action", "__do_softirq", "handle_softirqs", "do_softirq")),
    ("preempted on return to user space", lambda s: has(s, "exit_to_user_mode_loop") and has(s, "schedule", "__schedule")),
    ("epoll_wait: asleep (schedule)", lambda s: has(s, "do_epoll_wait") and has(s, "schedule", "__schedule", "schedule_hrtimeout_range")),
    ("epoll_wait: ep_item_poll / tcp_poll", lambda s: has(s, "do_epoll_wait") and has(s, "ep_item_poll.isra.0", "ep_item_poll", "tcp_poll", "sock_poll")),
    ("epoll_wait: rest of ep_send_events", lambda s: has(s, "do_epoll_wait") and has(s, "ep_send_events")),
    ("epoll_wait: rest", lambda s: has(s, "do_epoll_wait", "__x64_sys_epoll_wait", "__x64_sys_epoll_pwait", "__x64_sys_epoll_pwait2")),
    ("epoll_ctl", lambda s: has(s, "do_epoll_ctl", "__x64_sys_epoll_ctl")),
    ("recv: tcp_recvmsg", lambda s: has(s, "__sys_recvfrom", "ksys_read") and has(s, "tcp_recvmsg")),
    ("recv: rest of the call (fdget, copy, entry)", lambda s: has(s, "__sys_recvfrom", "__x64_sys_recvfrom", "ksys_read", "__x64_sys_read")),
    ("send: tcp_sendmsg (without its softirq)", lambda s: has(s, "__sys_sendto", "ksys_write") and has(s, "tcp_sendmsg", "tcp_sendmsg_locked")),
    ("send: rest of the call", lambda s: has(s, "__sys_sendto", "__x64_sys_sendto", "ksys_write", "__x64_sys_write")),
    ("other system calls, syscall entry/exit", lambda s: has(s, "do_syscall_64")),
    ("interrupts, other", lambda s: True),
]
INCLUSIVE = [
    ("sock_def_readable", "incl. sock_def_readable (waking the peer, its wait-queue lock)"),
    ("skb_defer_free_flush", "incl. skb_defer_free_flush (freeing skbs the other CPU handed back)"),
    ("tcp_v4_do_rcv", "incl. tcp_v4_do_rcv (TCP receive of one segment)"),
    ("ep_item_poll.isra.0", "incl. ep_item_poll"),
    ("tcp_poll", "incl. tcp_poll"),
    ("fdget", "incl. fdget"),
    ("finish_task_switch.isra.0", "incl. finish_task_switch (every context switch)"),
]
SELF = ["do_syscall_64", "_raw_spin_unlock_irqrestore", "__inet_lookup_established", "tcp_ack", "tcp_sendmsg_locked"]
SERVERS = [("rawpoll callbacks 1 loop", "rawpoll-callbacks"), ("rawpoll callbacks 2 loops", "rawpoll-callbacks-2-loops"),
           ("Netty 1 loop", "netty"), ("Netty 2 loops", "netty-2-loops"), ("C", "c"),
           ("rawpoll 1 loop, edge-triggered", "rawpoll-callbacks-edge"), ("rawpoll 2 loops, edge-triggered", "rawpoll-callbacks-2-loops-edge")]

def profile(collapsed):
    head = open(collapsed[:-len(".collapsed")] + ".txt").read()
    rate = float(re.search(r"([\d,]+) round trips/s", head).group(1).replace(",", ""))
    user, system = map(float, re.search(r"([\d.]+) µs user \+ ([\d.]+) µs system", head).groups())
    stacks = collections.Counter()
    for line in open(collapsed):
        stack, _, n = line.rstrip("\n").rpartition(" ")
        stacks[stack] += int(n)
    us = (user + system) / sum(stacks.values())  # µs per round trip that one sample stands for
    r = dict(rate=rate, cpu=user + system, kernel=0.0, path=collections.Counter(), incl=collections.Counter(), self=collections.Counter())
    for stack, n in stacks.items():
        frames = stack.split(";")
        if not frames[-1].endswith("_[k]"):
            continue
        kernel = [f[:-4] for f in frames if f.endswith("_[k]")]
        r["kernel"] += n * us
        r["self"][kernel[-1]] += n * us
        for f in set(kernel):
            r["incl"][f] += n * us
        r["path"][next(name for name, test in PATHS if test(kernel))] += n * us
    return r

def main(dirs):
    runs = [{os.path.basename(c)[len("profile-"):-len("-1000x64.collapsed")]: profile(c)
             for c in glob.glob(os.path.join(d, "profile-*-1000x64.collapsed"))} for d in dirs]
    cols = [(label, key) for label, key in SERVERS if any(key in run for run in runs)]
    def row(name, get, fmt="{:.2f}"):
        cells = [" / ".join(fmt.format(get(run[key])) if key in run else "–" for run in runs) for _, key in cols]
        return f"| {name} | " + " | ".join(cells) + " |"
    print("| µs per round trip (" + " / ".join(os.path.basename(d.rstrip("/")) for d in dirs) + ") | "
          + " | ".join(label for label, _ in cols) + " |")
    print("|---|" + "---|" * len(cols))
    print(row("round trips/s around the profile (thousands)", lambda r: r["rate"] / 1000, "{:.0f}"))
    print(row("server CPU (/proc), user + system", lambda r: r["cpu"]))
    print(row("**kernel**", lambda r: r["kernel"]))
    for name, _ in PATHS:
        print(row(name, lambda r, name=name: r["path"][name]))
    for f, name in INCLUSIVE:
        print(row(name, lambda r, f=f: r["incl"][f]))
    for f in SELF:
        print(row("self " + f, lambda r, f=f: r["self"][f]))

if __name__ == "__main__":
    main(sys.argv[1:])

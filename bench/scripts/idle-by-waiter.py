"""The CPUs' idle time under an echo load, by what was runnable meanwhile (issue 16).

    python3 bench/scripts/idle-by-waiter.py SCHED.txt

SCHED.txt: `perf script -F cpu,time,event,trace` of sched_switch, sched_wakeup and
sched_migrate_task recorded machine-wide (bench/scripts/loop-wakes.sh makes it). Each moment a CPU
runs its idle task, within the load generator's first to last switch, falls in one class: a loop
(rawpoll-loop-N, nio-selector-N) or loadgen had been woken onto this very CPU and waits for it to
wake from halt; one of them was runnable on another CPU (woken or preempted there, not running
yet); or none of them was runnable.
"""
import collections
import sys

from sched_events import MIGRATE, SWITCH, WAKE, events, ours


def main(path):
    recorded = list(events(path))
    first = last_loadgen = None
    for cpu, t, ev, trace in recorded:
        if ev == 'sched:sched_switch' and 'loadgen' in trace:
            first = t if first is None else first
            last_loadgen = t
    if first is None:
        sys.exit('no loadgen switch in ' + path)
    ncpus = 1 + max(e[0] for e in recorded)
    running, queued, names = {}, {}, {}
    idle = collections.Counter()
    previous = None
    for cpu, t, ev, trace in recorded:
        if previous is not None and len(running) == ncpus and first <= previous and t <= last_loadgen:
            waiting = [tid for tid in queued if ours(names.get(tid, ''))]
            for c, tid in running.items():
                if tid != '0':
                    continue
                if any(queued[w] == c for w in waiting):
                    idle['woken onto this halted cpu'] += t - previous
                elif waiting:
                    idle['a thread waiting on another cpu'] += t - previous
                else:
                    idle['nothing runnable'] += t - previous
        previous = t
        if ev == 'sched:sched_switch':
            a = SWITCH.search(trace)
            if not a:
                continue
            prev_comm, prev_pid, prev_state, next_comm, next_pid = a.groups()
            names[prev_pid], names[next_pid] = prev_comm, next_comm
            if prev_pid != '0' and prev_state.startswith('R'):
                queued[prev_pid] = cpu  # preempted: still runnable here
            queued.pop(next_pid, None)
            running[cpu] = next_pid
        elif ev == 'sched:sched_wakeup':
            a = WAKE.search(trace)
            if a:
                names[a.group(2)] = a.group(1)
                if a.group(2) not in running.values():
                    queued[a.group(2)] = int(a.group(3))
        elif ev == 'sched:sched_migrate_task':
            a = MIGRATE.search(trace)
            if a and a.group(1) in queued:
                queued[a.group(1)] = int(a.group(3))
    window = last_loadgen - first
    total = sum(idle.values())
    print('  idle %.1f ms in %.0f ms = %.1f %% of %d cpus; ' % (total * 1e3, window * 1e3, 100 * total / (ncpus * window), ncpus)
          + ', '.join('%s %.1f ms' % (k, idle[k] * 1e3) for k in
                      ('woken onto this halted cpu', 'a thread waiting on another cpu', 'nothing runnable')))


if __name__ == '__main__':
    main(sys.argv[1])

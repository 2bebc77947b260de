"""From sched_waking to running, for an echo server's loops and loadgen (issue 16).

    python3 bench/scripts/wake-to-run.py SCHED.txt

SCHED.txt: `perf script -F cpu,time,event,trace` of sched_switch, sched_waking and sched_wakeup
recorded machine-wide (bench/scripts/loop-wakes.sh makes it). Prints, split by whether the woken
thread's target CPU was idle (in a VM: halted) or busy at its sched_wakeup, how long it took from
sched_waking to the thread being switched in; then each loop's and loadgen's run slices by how
they ended (blocked: it slept; preempted: still runnable).
"""
import collections
import statistics
import sys

from sched_events import SWITCH, WAKE, events, ours


def main(path):
    running = {}
    pending = {}  # pid -> [waking time, target cpu idle at wakeup (None until sched_wakeup)]
    latency = {True: [], False: []}
    slices = collections.defaultdict(list)
    since = {}
    for cpu, t, ev, trace in events(path):
        if ev == 'sched:sched_switch':
            a = SWITCH.search(trace)
            if not a:
                continue
            prev_comm, prev_pid, prev_state, next_comm, next_pid = a.groups()
            if prev_pid in since and ours(prev_comm):
                ended = 'blocked' if prev_state[0] in 'SD' else 'preempted'
                slices[(prev_comm, ended)].append((t - since[prev_pid]) * 1e6)
            since.pop(prev_pid, None)
            since[next_pid] = t
            running[cpu] = next_pid
            waking = pending.pop(next_pid, None)
            if waking is not None and waking[1] is not None:
                latency[waking[1]].append((t - waking[0]) * 1e6)
        elif ev in ('sched:sched_waking', 'sched:sched_wakeup'):
            a = WAKE.search(trace)
            if not a or not ours(a.group(1)):
                continue
            pid, target = a.group(2), int(a.group(3))
            if ev == 'sched:sched_waking':
                pending[pid] = [t, None]
            elif pid in pending:
                pending[pid][1] = running.get(target) == '0'
    for idle in (True, False):
        v = latency[idle]
        if v:
            print('  wake to run, target cpu %s: n=%d, median %.1f us, mean %.1f us, p90 %.1f us, sum %.1f ms'
                  % ('idle' if idle else 'busy', len(v), statistics.median(v), statistics.mean(v),
                     sorted(v)[int(len(v) * 0.9)], sum(v) / 1e3))
    print('  run slices: ' + '; '.join('%s %s n=%d mean %.0f us' % (comm, ended, len(v), statistics.mean(v))
                                       for (comm, ended), v in sorted(slices.items()) if len(v) > 20))


if __name__ == '__main__':
    main(sys.argv[1])

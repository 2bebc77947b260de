package dev.rawpoll;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;

import dev.rawpoll.PollerModel.End;
import dev.rawpoll.PollerModel.Pair;
import dev.rawpoll.PollerModel.Registration;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one {@link ModelStep} sequence against a real poller and the {@link PollerModel} side by
 * side, on a fresh poller, and checks every poll. Closes everything it opened, whatever happens.
 */
public final class ModelRun {

    /** What differs per backend. */
    public interface Backend {
        Poller open() throws IOException;

        /**
         * Whether a number closed without deregister keeps its registration in the poller, so
         * that registering the number again fails until it is deregistered (kqueue: the poller cannot
         * tell that the number changed hands).
         */
        default boolean closedNumberStaysRegistered() {
            return false;
        }

        /**
         * Whether a handle closed without deregister, whose file a dup keeps open, must go on
         * being reported (epoll: the registration belongs to the open file). kqueue drops it with
         * the number (libkqueue does not): there it may be reported, nothing more.
         */
        default boolean duplicatedFileKeepsReporting() {
            return true;
        }

        /**
         * Whether closing a registered number without deregister while a dup keeps its file open
         * is left out: libkqueue then attributes the old file's events to a later registration
         * (see KqueuePollerModelTest). The contract says: always deregister before closing.
         */
        default boolean skipCloseWithoutDeregisterOfADuplicatedFile() {
            return false;
        }

        /**
         * Whether a number closed without deregister leaves its pair undefined until that
         * registration is deregistered (io_uring: the poll request in flight holds the file, so
         * the close does not close it; and the request follows the number, so it may poll whatever
         * file takes the number next). Then nothing is expected of either pair: any readiness may
         * be reported for their registrations, none must be, and no I/O is checked on them; once
         * the number is deregistered, both are what the model says again.
         */
        default boolean closeWithoutDeregisterHoldsTheFile() {
            return false;
        }

        /**
         * Whether an edge-triggered report is a wake-up as it happened (io_uring: a multishot poll
         * completes with the mask the waker passed, e.g. POLLIN for new data, where epoll polls the
         * file again when it reports, adding WRITABLE if it is writable too, and dropping a file
         * drained since): only the woken directions must be reported, and a wake-up may be
         * reported after the data was drained.
         */
        default boolean edgeReportsTheWokenDirections() {
            return false;
        }
    }

    /** The model and the poller disagree. */
    static final class Divergence extends AssertionError {
        Divergence(String message) {
            super(message);
        }
    }

    private final Backend backend;
    private final TestHandles handles;
    private final PollerModel model;
    private final Pair[] slots = new Pair[ModelStep.SLOTS];
    private final List<Pair> allPairs = new ArrayList<>();
    private final StringBuilder trace = new StringBuilder();
    private Poller poller;
    private Events events;
    private int serial;
    private boolean wakeupPending;

    ModelRun(Backend backend, TestHandles handles) {
        this.backend = backend;
        this.handles = handles;
        this.model = new PollerModel(backend.duplicatedFileKeepsReporting(), backend.edgeReportsTheWokenDirections());
    }

    /** Runs {@code steps}; the outcome holds the divergence (or other failure) and the trace. */
    static SequenceRunner.Outcome run(Backend backend, TestHandles handles, List<ModelStep> steps) {
        ModelRun run = new ModelRun(backend, handles);
        try {
            run.poller = backend.open();
            run.events = run.poller.newEvents(64);
            for (ModelStep step : steps) {
                run.apply(step);
            }
            return SequenceRunner.Outcome.passed();
        } catch (Throwable t) {
            return new SequenceRunner.Outcome(true, t.toString(), run.trace.toString());
        } finally {
            run.closeAll();
        }
    }

    private void log(String line) {
        trace.append("    ").append(line).append('\n');
    }

    private void apply(ModelStep step) throws Exception {
        for (Pair pair : allPairs) {
            if (pair.heldBy.removeIf(reg -> model.byNumber.get(reg.fd) != reg) && pair.heldBy.isEmpty()) {
                // defined again; what happened while it was not may still be reported once
                for (End end : new End[] {pair.a, pair.b}) {
                    if (end.registration != null) {
                        end.registration.edgeMay = true;
                        end.registration.mayRepeat = true;
                    }
                }
            }
        }
        switch (step.op()) {
            case OPEN_PIPE, OPEN_SOCKETS -> open(step);
            case REGISTER -> register(end(step), ModelStep.interest(step.arg()));
            case MODIFY -> modify(end(step), ModelStep.interest(step.arg()));
            case DEREGISTER -> deregister(end(step));
            case WRITE -> write(end(step), step.arg());
            case READ -> read(end(step), step.arg());
            case DRAIN -> read(end(step), Integer.MAX_VALUE);
            case SHUTDOWN_OUTPUT -> shutdownOutput(end(step));
            case CLOSE -> close(end(step), true);
            case CLOSE_WITHOUT_DEREGISTER -> close(end(step), false);
            case DUP -> dup(end(step));
            case CLOSE_DUPS -> closeDups(end(step));
            case DEREGISTER_CLOSED -> deregisterClosed(step.target());
            case POLL -> pollAndCheck(null, 0, -1);
            case POLL_THEN_MODIFY -> pollAndCheck(step.op(), step.target(), step.arg());
            case POLL_THEN_DEREGISTER -> pollAndCheck(step.op(), step.target(), step.arg());
            case POLL_THEN_REUSE -> pollAndCheck(step.op(), step.target(), step.arg());
            case WAKEUP -> {
                log("wakeup()");
                poller.wakeup();
                wakeupPending = true;
            }
            case WAKEUP_FROM_THREAD -> wakeupFromAnotherThread();
            case REGISTER_DURING_POLL, MODIFY_DURING_POLL, DEREGISTER_DURING_POLL -> changeDuringPoll(step);
        }
    }

    private End end(ModelStep step) {
        Pair pair = slots[(step.target() / 2) % ModelStep.SLOTS];
        if (pair == null) return null;
        return step.target() % 2 == 0 ? pair.a : pair.b;
    }

    // ---- handles ----

    private void open(ModelStep step) {
        int slot = step.target() % ModelStep.SLOTS;
        Pair old = slots[slot];
        if (old != null && (old.a.fileOpen() || old.b.fileOpen())) return;
        boolean pipe = step.op() == ModelStep.Op.OPEN_PIPE;
        TestHandles.Pair p = pipe ? handles.pipe() : handles.socketPair();
        Pair pair = new Pair(pipe, ++serial, Math.toIntExact(p.a()), Math.toIntExact(p.b()));
        slots[slot] = pair;
        allPairs.add(pair);
        log("open " + pair.a + " and " + pair.b + " in slot " + slot);
        heldIfAnOrphanHasTheNumber(pair, pair.a.fd);
        heldIfAnOrphanHasTheNumber(pair, pair.b.fd);
    }

    /** io_uring: a registration of a closed number polls whatever file takes the number next. */
    private void heldIfAnOrphanHasTheNumber(Pair pair, int number) {
        Registration orphan = model.byNumber.get(number);
        if (orphan != null && orphan.orphan && backend.closeWithoutDeregisterHoldsTheFile()) {
            log("  (fd " + number + " is held by " + orphan + ": " + pair.a + "/" + pair.b + " undefined until it is deregistered)");
            pair.heldBy.add(orphan);
        }
    }

    /** Whether I/O on {@code end}'s pair is left out: a registration of a closed number holds it. */
    private boolean held(End end) {
        return end != null && !end.pair.heldBy.isEmpty();
    }

    private void register(End end, int interest) throws IOException {
        if (end == null || !end.numberOpen) return;
        long token = model.nextToken();
        Registration current = model.byNumber.get(end.fd);
        if (current != null && !current.orphan) {
            log("register " + end + " " + Interest.toString(interest) + " token " + token + ": must fail, already registered");
            expectFailure(() -> poller.register(end.fd, interest, token), "register of a registered handle");
            return;
        }
        if (current != null && backend.closedNumberStaysRegistered()) {
            log("deregister closed number " + end.fd + " first (" + current + ")");
            tryDeregister(end.fd);
            model.deregister(end.fd);
        }
        log("register " + end + " " + Interest.toString(interest) + " token " + token);
        poller.register(end.fd, interest, token);
        model.register(end, interest, token);
    }

    private void modify(End end, int interest) throws IOException {
        if (end == null || !end.numberOpen) return;
        long token = model.nextToken();
        Registration reg = model.byNumber.get(end.fd);
        if (reg != null && reg.orphan && backend.closeWithoutDeregisterHoldsTheFile()) {
            log("modify " + end + ", holding the registration of a closed number (" + reg + "): deregister it instead");
            tryDeregister(end.fd);
            model.deregister(end.fd);
            return;
        }
        if (reg != null && reg.orphan && backend.closedNumberStaysRegistered()) {
            // kqueue names registrations by number: the closed number's registration is modified
            // onto the new handle. If it fails, forget the number to know where things stand.
            log("modify " + end + " " + Interest.toString(interest) + " token " + token
                    + ", holding the registration of a closed number (" + reg + "): the new handle takes it over");
            try {
                poller.modify(end.fd, interest, token);
                model.register(end, interest, token);
            } catch (IOException e) {
                log("  -> " + e.getMessage() + "; deregister it");
                tryDeregister(end.fd);
                model.deregister(end.fd);
            }
            return;
        }
        if (reg == null || reg.orphan) {
            log("modify " + end + " " + Interest.toString(interest) + " token " + token + ": must fail, not registered");
            expectFailure(() -> poller.modify(end.fd, interest, token), "modify of a handle that is not registered");
            return;
        }
        log("modify " + end + " " + Interest.toString(interest) + " token " + token);
        poller.modify(end.fd, interest, token);
        model.modify(reg, interest, token);
    }

    private void deregister(End end) throws IOException {
        if (end == null || !end.numberOpen) return;
        Registration reg = model.byNumber.get(end.fd);
        if (reg != null && reg.orphan) {
            // the number changed hands: kqueue may still hold the old knotes and delete them
            log("deregister " + end + ", holding the registration of a closed number (" + reg + "), any outcome");
            tryDeregister(end.fd);
        } else if (reg == null) {
            log("deregister " + end + ": must fail, not registered");
            expectFailure(() -> poller.deregister(end.fd), "deregister of a handle that is not registered");
        } else {
            log("deregister " + end + " (" + reg + ")");
            poller.deregister(end.fd);
        }
        model.deregister(end.fd); // forgotten either way
    }

    private void deregisterClosed(int choice) {
        List<Registration> orphans = model.orphans();
        if (orphans.isEmpty()) return;
        Registration reg = orphans.get(choice % orphans.size());
        log("deregister closed number " + reg.fd + " (" + reg + "), any outcome");
        tryDeregister(reg.fd);
        model.deregister(reg.fd);
    }

    private void tryDeregister(int fd) {
        try {
            poller.deregister(fd);
        } catch (IOException e) {
            log("  -> " + e.getMessage());
        }
    }

    private void write(End end, int n) {
        if (held(end)) return;
        if (end == null || !end.numberOpen || !end.canWrite() || end.shutOutput) return;
        End to = end.peer();
        if (!to.fileOpen() || to.pendingWrites >= PollerModel.MAX_PENDING_WRITES) return;
        log("write " + n + " bytes to " + end);
        long written = handles.write(end.fd, n);
        check(written == n, "write of " + n + " bytes to " + end + " returned " + written);
        to.buffered += n;
        to.pendingWrites++;
        PollerModel.activity(end.pair);
        PollerModel.dataArrived(to);
    }

    private void read(End end, int max) {
        if (held(end)) return;
        if (end == null || !end.numberOpen || !end.canRead()) return;
        long expected = end.buffered > 0 ? Math.min(max, end.buffered) : end.endOfStream() ? 0 : -1;
        long got = max == Integer.MAX_VALUE ? handles.drain(end.fd) : handles.read(end.fd, max);
        if (max == Integer.MAX_VALUE && got == 0 && expected <= 0) got = expected; // drain counts bytes only
        if (end.resetPending && end.buffered == 0) {
            if (got == -1) got = 0; // ECONNRESET, reported once, where end of stream comes next
            end.resetPending = false;
        }
        log("read " + (max == Integer.MAX_VALUE ? "all" : "up to " + max) + " from " + end + ": " + got);
        check(got == expected, "read from " + end + " returned " + got + ", the model expected " + expected);
        if (got > 0) end.buffered -= got;
        PollerModel.activity(end.pair);
        if (end.buffered == 0) end.pendingWrites = 0;
    }

    private void shutdownOutput(End end) {
        if (held(end)) return;
        if (end == null || !end.numberOpen || end.pair.pipe || end.shutOutput) return;
        log("shutdown output of " + end);
        handles.shutdownOutput(end.fd);
        end.shutOutput = true;
        PollerModel.activity(end.pair);
        PollerModel.peerChanged(end.peer());
    }

    private void close(End end, boolean deregisterFirst) throws IOException {
        if (end == null || !end.numberOpen) return;
        Registration reg = model.byNumber.get(end.fd);
        boolean registered = reg != null && !reg.orphan;
        if (registered && !deregisterFirst && !end.dups.isEmpty() && backend.skipCloseWithoutDeregisterOfADuplicatedFile()) {
            return;
        }
        if (registered && deregisterFirst) {
            log("deregister " + end);
            poller.deregister(end.fd);
            model.deregister(end.fd);
        }
        log("close " + end + (registered && !deregisterFirst ? " without deregister" : ""));
        handles.close(end.fd);
        end.numberOpen = false;
        if (registered && !deregisterFirst) {
            reg.orphan = true;
            if (backend.closeWithoutDeregisterHoldsTheFile()) end.pair.heldBy.add(reg);
        }
        fileClosed(end);
    }

    private void fileClosed(End end) {
        PollerModel.activity(end.pair);
        if (end.fileOpen()) return;
        if (!end.pair.pipe && end.buffered > 0) end.peer().resetPending = true;
        PollerModel.peerChanged(end.peer());
    }

    private void dup(End end) {
        if (end == null || !end.numberOpen || end.dups.size() >= 2) return;
        int copy = TestFds.dup(end.fd);
        end.dups.add(copy);
        log("dup " + end + " -> fd " + copy);
        heldIfAnOrphanHasTheNumber(end.pair, copy);
    }

    private void closeDups(End end) {
        if (end == null || end.dups.isEmpty()) return;
        log("close the dups " + end.dups + " of " + end);
        for (int fd : end.dups) handles.close(fd);
        end.dups.clear();
        fileClosed(end);
    }

    // ---- polls ----

    private void wakeupFromAnotherThread() throws Exception {
        log("wakeup() from another thread during poll(10 s)");
        Thread waker = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            poller.wakeup();
        });
        wakeupPending = true;
        pollAndCheck(null, 0, -1);
        waker.join();
        // the wakeup may have come after the poll returned for an event: it may still be pending
    }

    /**
     * Another thread registers, modifies or deregisters a handle while this one is blocked in a
     * poll (any thread may, by the contract), then wakes the poll up. The batch is checked against
     * the registrations as they are after the change.
     */
    private void changeDuringPoll(ModelStep step) throws Exception {
        End end = end(step);
        if (end == null || !end.numberOpen) return;
        Registration reg = model.byNumber.get(end.fd);
        ModelStep.Op op = step.op();
        int interest = ModelStep.interest(step.arg());
        boolean registering = op == ModelStep.Op.REGISTER_DURING_POLL;
        if (registering ? reg != null : reg == null || reg.orphan) return; // only changes that must succeed
        long token = op == ModelStep.Op.DEREGISTER_DURING_POLL ? 0 : model.nextToken();
        log(op + " of " + end + (op == ModelStep.Op.DEREGISTER_DURING_POLL ? "" : " " + Interest.toString(interest) + " token " + token)
                + " from another thread during poll(10 s), then wakeup()");
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread changer = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(1);
                switch (op) {
                    case REGISTER_DURING_POLL -> poller.register(end.fd, interest, token);
                    case MODIFY_DURING_POLL -> poller.modify(end.fd, interest, token);
                    default -> poller.deregister(end.fd);
                }
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                poller.wakeup();
            }
        });
        duringPoll = () -> {
            try {
                changer.join();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            if (failure.get() != null) throw new Divergence(op + " from another thread failed: " + failure.get());
            switch (op) {
                case REGISTER_DURING_POLL -> {
                    return model.register(end, interest, token);
                }
                case MODIFY_DURING_POLL -> {
                    model.modify(reg, interest, token);
                    return reg;
                }
                default -> {
                    model.deregister(end.fd);
                    return reg;
                }
            }
        };
        wakeupPending = true;
        pollAndCheck(null, 0, -1);
    }

    /** Set by {@link #changeDuringPoll}: joins the other thread and applies its change to the model. */
    private java.util.function.Supplier<Registration> duringPoll;

    /**
     * Polls once and checks the batch. With {@code then} set, first changes one registration (or
     * replaces its handle) as the handler of an earlier event of the batch would, and checks the
     * batch against the registrations as they are after the change.
     */
    private void pollAndCheck(ModelStep.Op then, int target, int arg) throws IOException {
        boolean expectSomething = false;
        for (Registration reg : model.byToken.values()) {
            if (model.must(reg) != 0) expectSomething = true;
        }
        long timeoutMillis = wakeupPending ? 10_000 : expectSomething ? 100 : 0; // readiness follows the write at once: no need to wait long
        Map<Registration, Integer> must = new HashMap<>();
        for (Registration reg : model.byToken.values()) must.put(reg, model.must(reg));
        long start = System.nanoTime();
        int n = poller.poll(events, timeoutMillis, MILLISECONDS);
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        log("poll(" + timeoutMillis + " ms) -> " + n + " events in " + tookMillis + " ms" + (expectSomething ? ", must report " + describe(must) : ""));
        if (wakeupPending) check(tookMillis < SECONDS.toMillis(5), "a pending wakeup did not end the poll: lost wakeup");
        wakeupPending = false;

        Registration touched = then == null ? null : changeDuringBatch(then, target, arg);
        boolean fromThread = duringPoll != null;
        if (fromThread) {
            touched = duringPoll.get();
            duringPoll = null;
        }
        long newToken = touched != null && then == ModelStep.Op.POLL_THEN_REUSE ? touched.token : Events.NO_TOKEN;

        Map<Long, Integer> seen = new HashMap<>();
        for (int i = 0; i < events.count(); i++) {
            int readiness = events.readiness(i);
            if (readiness == 0) continue; // stale
            long token = events.token(i);
            log("  event " + i + ": token " + token + " " + Readiness.toString(readiness));
            check(token != newToken, "an event collected before a registration carries its token " + token);
            Registration reg = model.byToken.get(token);
            check(reg != null, "event with token " + token + ", which is not the token of any current registration (stale, or never registered)");
            check(seen.put(token, readiness) == null, "two events for token " + token + " in one poll");
            int may = model.may(reg);
            check((readiness & ~may) == 0, "event " + Readiness.toString(readiness) + " for " + reg
                    + ": only " + Readiness.toString(may) + " may be reported (ready " + Readiness.toString(PollerModel.ready(reg.end))
                    + ", abnormal " + PollerModel.abnormal(reg.end) + ")");
        }
        for (Map.Entry<Registration, Integer> e : must.entrySet()) {
            Registration reg = e.getKey();
            int expected = e.getValue();
            if (expected == 0 || reg == touched || !model.byToken.containsKey(reg.token)) continue;
            int got = seen.getOrDefault(reg.token, 0);
            check((got & expected) == expected, "lost event: " + reg + " must report " + Readiness.toString(expected)
                    + ", the poll reported " + Readiness.toString(got));
        }
        for (long token : seen.keySet()) {
            Registration reg = model.byToken.get(token);
            if (reg != touched) {
                PollerModel.reported(reg);
            } else if (fromThread) {
                PollerModel.reported(reg);
                reg.mayRepeat = true;
            }
        }
    }

    /** The change made between a poll and the reading of its events; returns what it touched. */
    private Registration changeDuringBatch(ModelStep.Op then, int target, int arg) throws IOException {
        List<Registration> live = new ArrayList<>();
        for (Registration reg : model.byToken.values()) {
            if (!reg.orphan) live.add(reg);
        }
        if (live.isEmpty()) return null;
        live.sort((x, y) -> Integer.compare(x.fd, y.fd));
        Registration reg = live.get(target % live.size());
        switch (then) {
            case POLL_THEN_MODIFY -> {
                modify(reg.end, ModelStep.interest(arg));
                return reg;
            }
            case POLL_THEN_DEREGISTER -> {
                deregister(reg.end);
                return reg;
            }
            default -> {
                // deregister and close the handle, open a pipe (which likely reuses the number),
                // register its read end and make it readable
                End old = reg.end;
                close(old, true);
                int slot = -1;
                for (int i = 0; i < slots.length; i++) if (slots[i] == old.pair) slot = i;
                if (slot >= 0 && old.peer().numberOpen) {
                    close(old.peer(), true);
                }
                if (slot < 0 || old.pair.a.fileOpen() || old.pair.b.fileOpen()) return null;
                open(new ModelStep(ModelStep.Op.OPEN_PIPE, slot, 0));
                End fresh = slots[slot].a;
                register(fresh, Interest.READABLE);
                write(slots[slot].b, 1);
                return fresh.registration;
            }
        }
    }

    // ---- helpers ----

    private interface Call {
        void run() throws IOException;
    }

    private void expectFailure(Call call, String what) {
        try {
            call.run();
        } catch (IOException e) {
            log("  -> " + e.getMessage());
            return;
        }
        throw new Divergence(what + " did not fail");
    }

    private static void check(boolean condition, String message) {
        if (!condition) throw new Divergence(message);
    }

    private static String describe(Map<Registration, Integer> must) {
        StringBuilder sb = new StringBuilder("{");
        must.forEach((reg, bits) -> {
            if (bits != 0) sb.append(' ').append(reg.token).append('=').append(Readiness.toString(bits));
        });
        return sb.append(" }").toString();
    }

    private void closeAll() {
        for (Pair pair : allPairs) {
            for (End end : new End[] {pair.a, pair.b}) {
                if (end.numberOpen) handles.close(end.fd);
                end.numberOpen = false;
                for (int fd : end.dups) handles.close(fd);
                end.dups.clear();
            }
        }
        if (poller != null) poller.close();
    }
}

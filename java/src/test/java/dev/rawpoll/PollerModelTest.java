package dev.rawpoll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A model test of the {@link Poller} contract: random sequences of register, modify, deregister,
 * close (with and without deregister), dup, number reuse, write, read, shutdown, poll, a change in
 * the middle of a batch, and wakeups, on pipes and socket pairs, in level, edge and oneshot
 * mode. After every poll the batch is checked against {@link PollerModel}: no token that is not
 * current (stale, replaced, or never registered), no readiness the model does not allow, nothing
 * the model says must be reported left out, no wakeup lost. A divergence fails with the sequence
 * shrunk to the fewest steps that still diverge, and what each step did.
 *
 * <p>{@value #DEFAULT_TRIES} sequences by default; {@code -Drawpoll.model.tries=10000} for a
 * stress run, {@code -Drawpoll.model.seed=N} to repeat one (the seed is printed on failure).
 * A backend's test class extends this and supplies {@link #backend()}.
 */
public abstract class PollerModelTest {
    static final int DEFAULT_TRIES = 1000;
    static final int MAX_LENGTH = 60;

    /** How to open the poller under test and what its backend does differently. */
    protected abstract ModelRun.Backend backend();

    /** The handles the sequences open: pipes and AF_UNIX socket pairs. */
    protected TestHandles testHandles() {
        return UnixHandles.INSTANCE;
    }

    @Test
    void randomSequencesFollowTheModel() {
        int tries = Integer.getInteger("rawpoll.model.tries", DEFAULT_TRIES);
        long seed = Long.getLong("rawpoll.model.seed", System.nanoTime());
        TestHandles handles = testHandles();
        ModelRun.Backend backend = backend();
        SequenceRunner<ModelStep> runner = new SequenceRunner<>(ModelStep.STEPS, MAX_LENGTH,
                steps -> ModelRun.run(backend, handles, steps));
        String divergence = runner.check(seed, tries);
        if (divergence != null) {
            throw new AssertionError(divergence + "\nrepeat with -Drawpoll.model.seed=" + seed);
        }
        System.out.println("PollerModelTest: " + tries + " sequences on " + backend + ", seed " + seed);
    }

    /**
     * The model finds bugs of each kind it is there for: the real backend with one deliberate bug
     * (see {@link BrokenPoller}) diverges within a few hundred sequences, and the report shows
     * the shrunk sequence.
     */
    @ParameterizedTest
    @EnumSource(BrokenPoller.Bug.class)
    void aBrokenBackendDiverges(BrokenPoller.Bug bug) {
        ModelRun.Backend real = backend();
        ModelRun.Backend broken = new ModelRun.Backend() {
            @Override
            public Poller open() throws IOException {
                return new BrokenPoller(real.open(), bug);
            }

            @Override
            public boolean closedNumberStaysRegistered() {
                return real.closedNumberStaysRegistered();
            }

            @Override
            public boolean closeWithoutDeregisterHoldsTheFile() {
                return real.closeWithoutDeregisterHoldsTheFile();
            }

            @Override
            public boolean edgeReportsTheWokenDirections() {
                return real.edgeReportsTheWokenDirections();
            }
        };
        TestHandles handles = testHandles();
        SequenceRunner<ModelStep> runner = new SequenceRunner<>(ModelStep.STEPS, MAX_LENGTH,
                steps -> ModelRun.run(broken, handles, steps));
        String report = runner.check(bug.ordinal(), 500);
        assertNotNull(report, bug + " went unnoticed by 500 sequences");
        assertTrue(report.contains("shrunk to") && report.contains("divergence: "), report);
    }

    /** The shrinker itself: a failure that needs two particular steps shrinks to exactly those. */
    @Test
    void aDivergenceIsShrunkToTheStepsThatCauseIt() {
        SequenceRunner.Steps<Integer> steps = new SequenceRunner.Steps<>() {
            @Override
            public Integer random(SplittableRandom random) {
                return random.nextInt(100);
            }

            @Override
            public List<Integer> simpler(Integer step) {
                return step > 0 ? List.of(step / 2) : List.of();
            }
        };
        // fails when a step >= 90 comes somewhere after a step in [50, 60)
        SequenceRunner<Integer> runner = new SequenceRunner<>(steps, 40, sequence -> {
            boolean armed = false;
            for (int s : sequence) {
                if (s >= 50 && s < 60) armed = true;
                if (armed && s >= 90) return new SequenceRunner.Outcome(true, "boom", "");
            }
            return SequenceRunner.Outcome.passed();
        });
        String report = runner.check(42, 1000);
        assertTrue(report != null && report.contains("shrunk to 2 steps"), report);
        List<Integer> shrunk = runner.shrink(new ArrayList<>(List.of(3, 55, 7, 8, 91, 99, 1)));
        assertEquals(2, shrunk.size(), shrunk::toString);
        assertTrue(shrunk.get(0) >= 50 && shrunk.get(0) < 60 && shrunk.get(1) >= 90, shrunk::toString);
    }
}

package dev.rawpoll;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One step of a {@link PollerModelTest} sequence. {@code target} picks an end (slot × 2 + side)
 * or another object modulo what exists when the step runs, so every sub-sequence is valid;
 * {@code arg} is an interest (bits 0-1 directions, 2-3 mode), a byte count, or a choice.
 */
record ModelStep(Op op, int target, int arg) {

    enum Op {
        OPEN_PIPE(8), OPEN_SOCKETS(8),
        REGISTER(16), MODIFY(8), DEREGISTER(5),
        WRITE(16), READ(7), DRAIN(4), SHUTDOWN_OUTPUT(3),
        CLOSE(4), CLOSE_WITHOUT_DEREGISTER(3), DUP(3), CLOSE_DUPS(3), DEREGISTER_CLOSED(2),
        POLL(14), POLL_THEN_MODIFY(2), POLL_THEN_DEREGISTER(2), POLL_THEN_REUSE(2),
        WAKEUP(2), WAKEUP_FROM_THREAD(1),
        REGISTER_DURING_POLL(2), MODIFY_DURING_POLL(2), DEREGISTER_DURING_POLL(1);

        final int weight;

        Op(int weight) {
            this.weight = weight;
        }
    }

    static final int SLOTS = 4;
    private static final Op[] OPS = Op.values();
    private static final int TOTAL_WEIGHT;

    static {
        int total = 0;
        for (Op op : OPS) total += op.weight;
        TOTAL_WEIGHT = total;
    }

    /** The interest an {@code arg} stands for: any directions, and level, EDGE or ONESHOT. */
    static int interest(int arg) {
        int directions = arg & 3;
        int mode = switch ((arg >> 2) % 3) {
            case 1 -> Interest.EDGE;
            case 2 -> Interest.ONESHOT;
            default -> 0;
        };
        return directions | mode;
    }

    static final SequenceRunner.Steps<ModelStep> STEPS = new SequenceRunner.Steps<>() {
        @Override
        public ModelStep random(SplittableRandom random) {
            int pick = random.nextInt(TOTAL_WEIGHT);
            Op op = OPS[0];
            for (Op candidate : OPS) {
                if (pick < candidate.weight) {
                    op = candidate;
                    break;
                }
                pick -= candidate.weight;
            }
            return new ModelStep(op, random.nextInt(SLOTS * 2), random.nextInt(1, 65));
        }

        @Override
        public List<ModelStep> simpler(ModelStep step) {
            List<ModelStep> list = new ArrayList<>();
            if (step.op.name().startsWith("POLL_THEN") || step.op.name().endsWith("_THREAD") || step.op.name().endsWith("_DURING_POLL")) {
                list.add(new ModelStep(Op.POLL, step.target, step.arg));
            }
            if (step.target != 0) list.add(new ModelStep(step.op, 0, step.arg));
            if (step.target > 1) list.add(new ModelStep(step.op, step.target % 2, step.arg));
            if (step.arg > 1) list.add(new ModelStep(step.op, step.target, 1));
            if (step.arg > 12) list.add(new ModelStep(step.op, step.target, step.arg % 12));
            return list;
        }
    };

    @Override
    public String toString() {
        String what = switch (op) {
            case REGISTER, MODIFY, POLL_THEN_MODIFY, REGISTER_DURING_POLL, MODIFY_DURING_POLL -> Interest.toString(interest(arg));
            case WRITE, READ -> arg + " bytes";
            default -> null;
        };
        String on = switch (op) {
            case OPEN_PIPE, OPEN_SOCKETS -> "slot " + (target % SLOTS);
            case POLL, WAKEUP, WAKEUP_FROM_THREAD -> null;
            case DEREGISTER_CLOSED -> "closed number #" + target;
            case POLL_THEN_MODIFY, POLL_THEN_DEREGISTER, POLL_THEN_REUSE -> "registration #" + target;
            default -> "end " + target / 2 + (target % 2 == 0 ? ".a" : ".b");
        };
        StringBuilder sb = new StringBuilder(op.name()).append('(');
        if (on != null) sb.append(on);
        if (what != null) sb.append(on != null ? ", " : "").append(what);
        return sb.append(')').toString();
    }
}

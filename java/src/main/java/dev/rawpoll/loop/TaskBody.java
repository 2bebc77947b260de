package dev.rawpoll.loop;

/** The code of a {@link Task}: sequential, suspending at {@link Tasks#await} and the like. */
@FunctionalInterface
public interface TaskBody<T> {
    T run() throws Exception;
}

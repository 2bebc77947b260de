/**
 * rawpoll: epoll, kqueue and IOCP readiness notification called directly through the FFM API.
 *
 * <p>The API: {@code dev.rawpoll} ({@link dev.rawpoll.Poller} with {@link dev.rawpoll.Events},
 * {@link dev.rawpoll.Interest}, {@link dev.rawpoll.Readiness}, {@link
 * dev.rawpoll.SystemCallException}); {@code dev.rawpoll.net} (non-blocking TCP sockets: Linux
 * x86-64 and aarch64, macOS, FreeBSD); {@code dev.rawpoll.loop} (the event loop and its tasks); {@code
 * dev.rawpoll.vthread} (blocking-style sockets for virtual threads). The backends, the demo and
 * the generated bindings are internal. Run with
 * {@code --enable-native-access=dev.rawpoll} (or {@code ALL-UNNAMED} on the class path); the tasks
 * of {@link dev.rawpoll.loop} also need {@code --add-exports java.base/jdk.internal.vm=dev.rawpoll}.
 */
module dev.rawpoll {
    exports dev.rawpoll;
    exports dev.rawpoll.loop;
    exports dev.rawpoll.net;
    exports dev.rawpoll.vthread;
}

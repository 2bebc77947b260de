package dev.rawpoll.vthread;

import java.io.IOException;

/** {@link BlockingTimeoutAndCloseTest} again with one platform poller thread per direction ({@code pollerMode=platform}). */
class BlockingTimeoutAndCloseOnPlatformPollersTest extends BlockingTimeoutAndCloseTest {
    @Override
    BlockingSockets openSockets() throws IOException {
        return BlockingSockets.open(false, 1);
    }
}

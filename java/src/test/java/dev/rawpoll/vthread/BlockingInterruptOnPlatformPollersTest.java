package dev.rawpoll.vthread;

import java.io.IOException;

/** {@link BlockingInterruptTest} again with one platform poller thread per direction ({@code pollerMode=platform}). */
class BlockingInterruptOnPlatformPollersTest extends BlockingInterruptTest {
    @Override
    BlockingSockets openSockets() throws IOException {
        return BlockingSockets.open(false, 1);
    }
}

package dev.rawpoll;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.ExtensionContext;

/** The {@link LeakCheck} extension fails a test that leaves a descriptor open, and only then. */
@EnabledOnOs({OS.LINUX, OS.MAC, OS.FREEBSD})
class LeakCheckTest {

    @Test
    void aLeakedDescriptorFailsTheTestAndAClosedOneDoesNot() {
        LeakCheck check = new LeakCheck();
        ExtensionContext context = fakeContext();

        check.beforeEach(context);
        TestFds.Pair leaked = TestFds.pipe();
        try {
            AssertionError e = assertThrows(AssertionError.class, () -> check.afterEach(context));
            assertTrue(e.getMessage().contains("handles leaked by"), e.getMessage());
        } finally {
            leaked.close();
        }

        check.beforeEach(context);
        TestFds.pipe().close();
        assertDoesNotThrow(() -> check.afterEach(context));
    }

    /** An ExtensionContext with a working store and nothing else. */
    private static ExtensionContext fakeContext() {
        Map<Object, Object> values = new HashMap<>();
        ExtensionContext.Store store = (ExtensionContext.Store) Proxy.newProxyInstance(
                LeakCheckTest.class.getClassLoader(), new Class<?>[] {ExtensionContext.Store.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "put" -> values.put(args[0], args[1]);
                    case "remove" -> values.remove(args[0]);
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        return (ExtensionContext) Proxy.newProxyInstance(
                LeakCheckTest.class.getClassLoader(), new Class<?>[] {ExtensionContext.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getStore" -> store;
                    case "getUniqueId" -> "[test]";
                    case "getDisplayName" -> "fake()";
                    case "getTestInstance" -> Optional.empty();
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}

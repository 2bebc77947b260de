package dev.rawpoll.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Without {@code --add-exports java.base/jdk.internal.vm=...} tasks fail with a message naming it. */
class ContinuationExportTest {

    @Test
    void theTestJvmHasTheExport() {
        assertTrue(Object.class.getModule().isExported("jdk.internal.vm", Task.class.getModule()));
        assertEquals("--add-exports java.base/jdk.internal.vm=dev.rawpoll", CoroutineSupport.requiredFlag());
    }

    @Test
    void aModuleWithoutTheExportIsToldWhichFlagToAdd() throws Exception {
        // A second copy of the module, in its own layer: --add-exports applies to the boot
        // layer's dev.rawpoll only, so this copy lacks it, as a JVM started without the flag.
        Path classes = Path.of(EventLoop.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ModuleLayer boot = ModuleLayer.boot();
        Configuration config = boot.configuration()
                .resolve(ModuleFinder.of(classes), ModuleFinder.of(), Set.of("dev.rawpoll"));
        ModuleLayer layer = boot.defineModulesWithOneLoader(config, ClassLoader.getPlatformClassLoader());
        Class<?> tasks = layer.findLoader("dev.rawpoll").loadClass("dev.rawpoll.loop.Tasks");
        Method inTask = tasks.getMethod("inTask");
        InvocationTargetException e = assertThrows(InvocationTargetException.class, () -> inTask.invoke(null));
        UnsupportedOperationException cause = assertInstanceOf(UnsupportedOperationException.class, e.getCause());
        assertTrue(cause.getMessage().contains("--add-exports java.base/jdk.internal.vm=dev.rawpoll"), cause.getMessage());
    }

    @Test
    void onTheClassPathTheMessageNamesAllUnnamed() throws Exception {
        Path classes = Path.of(EventLoop.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, null)) {
            Class<?> tasks = loader.loadClass("dev.rawpoll.loop.Tasks");
            assertTrue(!tasks.getModule().isNamed(), "loaded from the class path");
            InvocationTargetException e = assertThrows(InvocationTargetException.class, () -> tasks.getMethod("inTask").invoke(null));
            String message = e.getCause().getMessage();
            assertTrue(message.contains("--add-exports java.base/jdk.internal.vm=ALL-UNNAMED"), message);
            assertTrue(message.contains("Add-Exports: java.base/jdk.internal.vm"), message);
        }
    }
}
